namespace GitOpsStatus.Core.Drift;

/// <summary>
/// The diffs of a live target's last report, by target path, so that a recheck reads and diffs again only the files whose
/// content changed: after a burst of writes thousands of files stay drifted, and each recheck would read them all.
/// An entry holds while the file's desired and actual hashes and its resolved path are the same; a full check starts
/// afresh. Not thread-safe: the realtime agent uses it under its lock.
/// </summary>
public sealed class DiffCache
{
    /// <summary>What <see cref="DiffText.Build"/> made of a file, before the report's diff budget; <c>Diff</c> is null for a text file not yet diffed.</summary>
    internal sealed record Entry(string? ExpectedSha256, string? ActualSha256, string ReadPath, DiffKind Kind, string? Diff);

    private Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public int Count => entries.Count;

    internal Entry? Find(string targetPath, string? expectedSha256, string? actualSha256, string readPath) =>
        entries.TryGetValue(targetPath, out var entry) && entry.ExpectedSha256 == expectedSha256 && entry.ActualSha256 == actualSha256 && entry.ReadPath == readPath
            ? entry
            : null;

    /// <summary>Keeps the entries of the report just made, and nothing else.</summary>
    internal void Replace(Dictionary<string, Entry> next) => entries = next;

    public void Clear() => entries.Clear();
}
