using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>
/// What the last full check of a local target compared (its plan, desired hashes and actual files), kept so a change
/// re-hashes only the changed paths. Not thread-safe: the realtime agent uses it under one lock.
/// </summary>
public sealed class LiveTarget
{
    private readonly Dictionary<string, ActualFile> files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> listings = new(StringComparer.Ordinal);
    private HashSet<string> wanted = new(StringComparer.Ordinal);
    private HashSet<string> ancestors = new(StringComparer.Ordinal);
    private Dictionary<string, string> pathOfName = new(StringComparer.Ordinal);
    private ScanRequest? request;

    public TargetPlan? Plan { get; private set; }
    public IReadOnlyList<string?>? DesiredHashes { get; private set; }
    public ActualSnapshot Snapshot => new(files, listings);

    /// <summary>The last writer seen for each target path, from fanotify; cleared on a gap (events lost: any writer may be wrong).</summary>
    public Dictionary<string, FileChangedBy> Writers { get; } = new(StringComparer.Ordinal);

    /// <summary>The diffs of the last report, so a recheck diffs only files whose content changed; a full check starts it afresh.</summary>
    public DiffCache Diffs { get; } = new();

    /// <summary>Directories to watch: each mapped directory tree (recursively), and the directory of each single-file mapping.</summary>
    public IReadOnlyList<WatchedDir> Dirs { get; private set; } = [];

    internal ActualSnapshot Reset(TargetPlan plan, ScanRequest fullRequest, IReadOnlyList<string?> desiredHashes, ActualSnapshot snapshot)
    {
        Plan = plan;
        request = fullRequest;
        DesiredHashes = desiredHashes;
        wanted = plan.Files.Select(f => f.TargetPath).ToHashSet(StringComparer.Ordinal);
        ancestors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in wanted)
        {
            for (var dir = TargetPaths.Parent(path); dir.Length > 1 && ancestors.Add(dir); dir = TargetPaths.Parent(dir))
            {
            }
        }
        pathOfName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in plan.Files)
            pathOfName.TryAdd(DriftComparer.Printable(file.Name), file.TargetPath);
        files.Clear();
        foreach (var (path, file) in snapshot.Files)
            files[path] = file;
        listings.Clear();
        foreach (var (dir, list) in snapshot.Listings)
            listings[dir] = list;
        Dirs = WatchedDir.For(plan);
        Diffs.Clear();
        return Snapshot;
    }

    /// <summary>Whether a changed path matters here: a wanted file, a directory above some, or a path under a listed directory.</summary>
    public bool Concerns(string path) =>
        wanted.Contains(path) || ancestors.Contains(path) || (request?.ListDirectories.Any(d => TargetPaths.IsUnder(path, d)) ?? false);

    public bool IsWanted(string path) => wanted.Contains(path);

    /// <summary>The target path of a file a report names.</summary>
    public string? PathOf(string reportName) => pathOfName.GetValueOrDefault(reportName);

    /// <summary>The scan of just what <paramref name="changed"/> touches: wanted files equal to or under a changed path, listings containing one.</summary>
    internal ScanRequest RequestFor(IReadOnlyCollection<string> changed)
    {
        var full = request ?? throw new InvalidOperationException("a live target is rechecked after its first full check");
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in changed)
        {
            if (wanted.Contains(path))
                paths.Add(path);
            else if (ancestors.Contains(path))
                paths.UnionWith(full.Paths.Where(p => TargetPaths.IsUnder(p, path))); // a directory renamed, created or removed
        }
        var dirs = full.ListDirectories.Where(d => changed.Any(c => TargetPaths.IsUnder(c, d) || TargetPaths.IsUnder(d, c))).ToList();
        return full with { Paths = [.. paths], ListDirectories = dirs, WalkDirectories = null }; // a recheck reads only what changed
    }

    internal void Merge(ScanRequest partial, ActualSnapshot scanned)
    {
        foreach (var path in partial.Paths)
        {
            if (scanned.Files.TryGetValue(path, out var file))
                files[path] = file;
            else
                files.Remove(path);
        }
        foreach (var dir in partial.ListDirectories)
            listings[dir] = scanned.Listings[dir];
    }
}

/// <summary>A directory to watch; <see cref="Recursive"/> for a mapped directory tree.</summary>
public sealed record WatchedDir(string Path, bool Recursive)
{
    public bool Covers(string path) =>
        path == Path || (path.StartsWith(Path, StringComparison.Ordinal) && path.Length > Path.Length && (Path.EndsWith('/') || path[Path.Length] == '/')
                         && (Recursive || path.IndexOf('/', Path.Length + (Path.EndsWith('/') ? 0 : 1)) < 0));

    /// <summary>The fewest directories that cover a plan: trees of directory mappings, parents of file mappings, nested ones dropped.</summary>
    public static IReadOnlyList<WatchedDir> For(TargetPlan plan)
    {
        var all = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var file in plan.Files)
        {
            // A file deeper than its mapped directory needs that whole tree; one directly in it, that directory alone.
            var parent = TargetPaths.Parent(file.TargetPath);
            var recursive = parent != file.TargetDir;
            var dir = recursive ? file.TargetDir : parent;
            all[dir] = all.GetValueOrDefault(dir) || recursive;
        }
        foreach (var scan in plan.ExtraScans)
            all[scan.TargetDir] = true;
        var trees = all.Where(d => d.Value).Select(d => d.Key).ToList();
        return all.Where(d => !trees.Any(t => t != d.Key && new WatchedDir(t, true).Covers(d.Key)))
            .Select(d => new WatchedDir(d.Key, d.Value)).OrderBy(d => d.Path, StringComparer.Ordinal).ToList();
    }
}
