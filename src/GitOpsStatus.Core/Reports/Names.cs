using System.Buffers;

namespace GitOpsStatus.Core.Reports;

/// <summary>The name rules shared by the server (validation) and the checker (before it sends).</summary>
public static class Names
{
    public const int MaxNameLength = 255;
    public const int MaxFileNameLength = 4096;

    private static readonly SearchValues<char> SafeChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>Why <paramref name="value"/> is not a valid repo name, or null when it is.
    /// Letters, digits, <c>. _ -</c> and <c>/</c> between segments that are not empty, <c>.</c> or <c>..</c>.</summary>
    public static string? RepoProblem(string value) => NameProblem(value, allowSlash: true);

    /// <summary>Why <paramref name="value"/> is not a valid server name, or null when it is.</summary>
    public static string? ServerProblem(string value) => NameProblem(value, allowSlash: false);

    /// <summary>Why <paramref name="value"/> is not a valid file name, or null: any printable text without control characters.</summary>
    public static string? FileNameProblem(string value)
    {
        if (value.Length == 0)
            return "must not be empty";
        if (value.Length > MaxFileNameLength)
            return $"is {value.Length} characters long; at most {MaxFileNameLength} are allowed";
        var bad = FirstControlChar(value);
        return bad < 0 ? null : $"contains the control character U+{(int)value[bad]:X4} at position {bad}; file names must be printable text";
    }

    /// <summary>Index of the first control (or unpaired surrogate) character, or -1.</summary>
    public static int FirstControlChar(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c))
                return i;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return i;
        }
        return -1;
    }

    private static string? NameProblem(string value, bool allowSlash)
    {
        if (value.Length == 0)
            return "must not be empty";
        if (value.Length > MaxNameLength)
            return $"is {value.Length} characters long; at most {MaxNameLength} are allowed";
        foreach (var segment in allowSlash ? value.Split('/') : [value])
        {
            if (segment.Length == 0 || segment is "." or "..")
                return allowSlash
                    ? "has an empty, \".\" or \"..\" path segment; use names like infra/rsyslog"
                    : "must not be \".\" or \"..\"";
            var bad = segment.AsSpan().IndexOfAnyExcept(SafeChars);
            if (bad >= 0)
                return $"contains '{Printable(segment[bad])}'; only letters, digits, '.', '_', '-'{(allowSlash ? " and '/'" : "")} are allowed";
        }
        return null;
    }

    private static string Printable(char c) => char.IsControl(c) || char.IsSurrogate(c) ? $"U+{(int)c:X4}" : c.ToString();
}
