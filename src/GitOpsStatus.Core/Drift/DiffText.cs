using System.Text;
using DiffPlex;
using DiffPlex.Renderer;

namespace GitOpsStatus.Core.Drift;

/// <summary>Unified diffs (DiffPlex) of the desired and actual contents of a file, cut to a size limit.</summary>
public static class DiffText
{
    /// <summary>Files larger than this are not diffed: a diff of them would not fit a report anyway.</summary>
    public const int MaxInputBytes = 1024 * 1024;

    /// <summary>The diff of a file one side of which is unreadable or larger than <see cref="MaxInputBytes"/>.</summary>
    public const string NoDiff = "[no diff: the file is larger than 1 MiB or could not be read]\n";

    private static readonly UnidiffRenderer Renderer = new(new Differ(), 3);

    /// <summary>What <see cref="Build"/> makes of two sides: <see cref="NoDiff"/> (a side missing or too large), binary, or a text diff.</summary>
    public static DiffKind Kind(byte[]? desired, byte[]? actual) =>
        desired is null || actual is null || desired.Length > MaxInputBytes || actual.Length > MaxInputBytes ? DiffKind.None
        : IsBinary(desired) || IsBinary(actual) ? DiffKind.Binary
        : DiffKind.Text;

    /// <summary>The diff (desired → actual), or null with <c>Binary</c> true when either side is binary.</summary>
    public static (string? Diff, bool Binary) Build(byte[] desired, byte[] actual, string desiredLabel, string actualLabel, int maxDiffBytes)
    {
        switch (Kind(desired, actual))
        {
            case DiffKind.None:
                return (NoDiff, false);
            case DiffKind.Binary:
                return (null, true);
        }
        var (oldText, newText) = (Encoding.UTF8.GetString(desired), Encoding.UTF8.GetString(actual));
        // DiffPlex counts the empty string after a final newline as a line; drop it when both sides end with one.
        if (oldText.EndsWith('\n') && newText.EndsWith('\n'))
            (oldText, newText) = (oldText[..^1], newText[..^1]);
        var diff = Renderer.Generate(oldText, newText, desiredLabel, actualLabel, false, false);
        return (Truncate(diff, maxDiffBytes), false);
    }

    /// <summary>Git's rule: a NUL byte in the first 8000 bytes means binary.</summary>
    public static bool IsBinary(ReadOnlySpan<byte> data) => data[..Math.Min(data.Length, 8000)].Contains((byte)0);

    /// <summary>Cuts <paramref name="diff"/> at a line boundary so that, with the marker appended, it is at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static string Truncate(string diff, int maxBytes)
    {
        var total = Encoding.UTF8.GetByteCount(diff);
        if (total <= maxBytes)
            return diff;
        var marker = $"[diff truncated: {total} bytes, limit {maxBytes}]\n";
        var budget = Math.Max(0, maxBytes - Encoding.UTF8.GetByteCount(marker));
        int bytes = 0, cut = 0;
        while (cut < diff.Length)
        {
            var newline = diff.IndexOf('\n', cut);
            var end = newline < 0 ? diff.Length : newline + 1;
            var lineBytes = Encoding.UTF8.GetByteCount(diff.AsSpan(cut, end - cut));
            if (bytes + lineBytes > budget)
                break;
            bytes += lineBytes;
            cut = end;
        }
        return diff[..cut] + marker;
    }
}

public enum DiffKind
{
    /// <summary>A side could not be read or is larger than <see cref="DiffText.MaxInputBytes"/>.</summary>
    None,
    Binary,
    Text,
}
