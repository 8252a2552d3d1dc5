using System.IO.Enumeration;

namespace GitOpsStatus.Core.Drift;

/// <summary>
/// Files under a directory, relative with '/', following symlinks like <c>find -L</c>, including its loop check: a
/// symlinked directory that leads back to one of its own ancestors is not entered (.NET would walk it until the path
/// is too long, listing the same files again and again).
/// </summary>
public static class TreeWalk
{
    private static readonly EnumerationOptions Options = new() { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };

    /// <param name="dir">The directory to walk.</param>
    /// <param name="skipGit">Leave out <c>.git</c> directories and files (a desired tree is a git checkout).</param>
    public static IEnumerable<string> RelativeFiles(string dir, bool skipGit = false)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        return new FileSystemEnumerable<string>(root, Relative, Options)
        {
            ShouldIncludePredicate = (ref entry) => !entry.IsDirectory && !(skipGit && entry.FileName.SequenceEqual(".git")),
            ShouldRecursePredicate = (ref entry) => !(skipGit && entry.FileName.SequenceEqual(".git"))
                && ((entry.Attributes & FileAttributes.ReparsePoint) == 0 || !LeadsToAnAncestor(root, entry.ToFullPath())),
        };
    }

    // Built from the entry's spans: one string per file, where GetRelativePath + Replace made three.
    private static string Relative(ref FileSystemEntry entry)
    {
        var inside = entry.Directory[entry.RootDirectory.Length..].TrimStart('/');
        return inside.IsEmpty ? entry.FileName.ToString() : string.Concat(inside, "/", entry.FileName);
    }

    private static bool LeadsToAnAncestor(string root, string link)
    {
        if (FileTypes.Identity(link) is not { } target)
            return true;
        for (var dir = Path.GetDirectoryName(link); dir is not null && dir.Length >= root.Length; dir = Path.GetDirectoryName(dir))
        {
            if (FileTypes.Identity(dir) == target)
                return true;
        }
        return false;
    }
}
