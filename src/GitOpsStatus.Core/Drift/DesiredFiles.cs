using Microsoft.Extensions.FileSystemGlobbing;

namespace GitOpsStatus.Core.Drift;

/// <summary>One file the repo wants on a target.</summary>
/// <param name="Name">The name reports show: the mapping's dest plus the path inside a mapped directory.</param>
/// <param name="TargetPath">Full path on the target (its root joined with <paramref name="Name"/>).</param>
/// <param name="LocalPath">The desired file on this machine.</param>
/// <param name="RepoPath">The desired file's path in the git repo, with '/'.</param>
/// <param name="Mapping">The mapping the file comes from.</param>
/// <param name="Sensitive">Hashes only, never a diff.</param>
/// <param name="TargetDir">The mapped directory on the target: the mapping's dest for a directory, the file's own directory for a file.</param>
public sealed record WantedFile(string Name, string TargetPath, string LocalPath, string RepoPath, FileMapping Mapping, bool Sensitive, string TargetDir);

/// <summary>A mapped directory listed on the target to find files the repo does not have.</summary>
public sealed record ExtraScan(string TargetDir, FileMapping Mapping);

/// <summary>
/// Everything one target is compared on. <paramref name="WholeDirectories"/>: target directories mapped without include or
/// exclude globs, so every regular file under them is wanted or extra (a host may hash them by walking the tree).
/// </summary>
public sealed record TargetPlan(IReadOnlyList<WantedFile> Files, IReadOnlyList<ExtraScan> ExtraScans, IReadOnlyList<string>? WholeDirectories = null);

/// <summary>Expands a target's mappings into the desired file set (directories walked, globs applied).</summary>
public static class DesiredFiles
{
    public static TargetPlan Plan(string desiredRoot, string repoRoot, TargetSpec target)
    {
        var files = new List<WantedFile>();
        var scans = new List<ExtraScan>();
        var whole = new List<string>();
        var root = target.Location.Root;
        foreach (var mapping in target.Files)
        {
            var local = Path.GetFullPath(Path.Join(desiredRoot, mapping.Src));
            if (File.Exists(local))
            {
                var dest = mapping.Dest.EndsWith('/') ? mapping.Dest + Path.GetFileName(local) : mapping.Dest;
                var targetPath = TargetPaths.Join(root, dest);
                files.Add(Wanted(mapping, dest, "", local, RepoPath(repoRoot, local), targetPath, TargetPaths.Parent(targetPath)));
            }
            else if (Directory.Exists(local))
            {
                var matches = Globs.For(mapping);
                // Per mapping, not per file: 10,000 files are mostly prefix + relative path.
                var (repoDir, targetDir) = (RepoPath(repoRoot, local), TargetPaths.Join(root, mapping.Dest));
                foreach (var relative in ListRelative(local).Where(matches).Order(StringComparer.Ordinal))
                {
                    files.Add(Wanted(mapping, mapping.Dest, relative, Path.Join(local, relative),
                        repoDir == "." ? relative : repoDir + "/" + relative, TargetPaths.Join(targetDir, relative), targetDir));
                }
                if (mapping.Extra)
                    scans.Add(new ExtraScan(TargetPaths.Join(root, mapping.Dest), mapping));
                if (mapping.Include.Count == 0 && mapping.Exclude.Count == 0)
                    whole.Add(targetDir);
            }
            else
            {
                throw new TargetUnavailableException($"the desired path {local} does not exist");
            }
        }
        return new TargetPlan(files, scans, whole);
    }

    private static string RepoPath(string repoRoot, string local) => Path.GetRelativePath(repoRoot, local).Replace(Path.DirectorySeparatorChar, '/');

    private static WantedFile Wanted(FileMapping mapping, string dest, string relative, string local, string repoPath, string targetPath, string targetDir)
    {
        // .NET decodes file names as UTF-8 and puts U+FFFD for bytes that are not: such a file cannot be opened again by name.
        if (relative.Contains('\uFFFD', StringComparison.Ordinal))
            throw new TargetUnavailableException($"the desired file name {DriftComparer.Printable(local)} is not valid UTF-8; gitops-status compares UTF-8 names only, rename it in the repo");
        var name = TargetPaths.ReportName(dest, relative);
        return new WantedFile(name, targetPath, local, repoPath, mapping,
            Sensitivity.IsSensitive(mapping, name, repoPath), targetDir);
    }

    /// <summary>Files under a desired directory, relative with '/', without git's own files.</summary>
    private static IEnumerable<string> ListRelative(string dir) => TreeWalk.RelativeFiles(dir, skipGit: true);
}

/// <summary>Include/exclude globs of a directory mapping (Microsoft.Extensions.FileSystemGlobbing: <c>*.conf</c> matches in the top directory, <c>**/*.conf</c> at any depth).</summary>
public static class Globs
{
    public static Func<string, bool> For(FileMapping mapping)
    {
        if (mapping.Include.Count == 0 && mapping.Exclude.Count == 0)
            return _ => true;
        var matcher = new Matcher(StringComparison.Ordinal);
        matcher.AddIncludePatterns(mapping.Include.Count > 0 ? mapping.Include : ["**/*"]);
        matcher.AddExcludePatterns(mapping.Exclude);
        return relative => matcher.Match(relative).HasMatches;
    }
}
