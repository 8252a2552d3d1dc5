namespace GitOpsStatus.Core.Drift;

/// <summary>
/// The HEAD commit of the git checkout a directory is in, read from <c>.git</c> directly (HEAD, loose refs,
/// packed-refs, worktrees) so a check does not depend on a git binary or pay for starting one.
/// </summary>
public static class GitRevision
{
    /// <summary>The checkout's top directory and its HEAD commit (null when unborn or unreadable); null when not in a checkout.</summary>
    public static (string Root, string? Commit)? Find(string directory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(directory)); dir is not null; dir = dir.Parent)
        {
            var dotGit = Path.Join(dir.FullName, ".git");
            if (Directory.Exists(dotGit))
                return (dir.FullName, Head(dotGit));
            if (File.Exists(dotGit) && GitDirOf(dotGit, dir.FullName) is { } gitDir)
                return (dir.FullName, Head(gitDir));
        }
        return null;
    }

    /// <summary>A worktree's or submodule's <c>.git</c> file: <c>gitdir: path</c>.</summary>
    private static string? GitDirOf(string dotGitFile, string workDir)
    {
        var line = File.ReadAllText(dotGitFile).Trim();
        return line.StartsWith("gitdir:", StringComparison.Ordinal)
            ? Path.GetFullPath(Path.Combine(workDir, line["gitdir:".Length..].Trim()))
            : null;
    }

    private static string? Head(string gitDir)
    {
        try
        {
            var head = File.ReadAllText(Path.Join(gitDir, "HEAD")).Trim();
            if (!head.StartsWith("ref:", StringComparison.Ordinal))
                return IsSha(head) ? head : null;
            var reference = head["ref:".Length..].Trim();
            var commonFile = Path.Join(gitDir, "commondir");
            var common = File.Exists(commonFile) ? Path.GetFullPath(Path.Combine(gitDir, File.ReadAllText(commonFile).Trim())) : gitDir;
            foreach (var dir in new[] { gitDir, common })
            {
                var loose = Path.Join(dir, reference);
                if (File.Exists(loose) && File.ReadAllText(loose).Trim() is var sha && IsSha(sha))
                    return sha;
            }
            var packed = Path.Join(common, "packed-refs");
            if (!File.Exists(packed))
                return null;
            foreach (var line in File.ReadLines(packed))
            {
                var parts = line.Split(' ', 2);
                if (parts.Length == 2 && parts[1] == reference && IsSha(parts[0]))
                    return parts[0];
            }
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsSha(string text) => text.Length is 40 or 64 && text.All(char.IsAsciiHexDigitLower);
}
