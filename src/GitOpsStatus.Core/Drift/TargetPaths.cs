namespace GitOpsStatus.Core.Drift;

/// <summary>POSIX path joining for targets (local Linux paths and remote paths alike).</summary>
public static class TargetPaths
{
    /// <summary>Joins non-empty parts with single slashes: ("/", "/etc/x", "") → "/etc/x"; ("/srv/a", "etc") → "/srv/a/etc".</summary>
    public static string Join(params ReadOnlySpan<string> parts)
    {
        var result = "";
        foreach (var part in parts)
        {
            if (part.Length == 0)
                continue;
            if (result.Length == 0)
                result = part;
            else
                result = result.TrimEnd('/') + "/" + part.TrimStart('/');
        }
        return result.Length > 1 ? result.TrimEnd('/') : result;
    }

    /// <summary>The directory holding a path: "/etc/x" → "/etc", "/x" → "/".</summary>
    public static string Parent(string path)
    {
        var slash = path.TrimEnd('/').LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    /// <summary>Whether <paramref name="path"/> is strictly inside directory <paramref name="dir"/>: "/etc/x" is under "/etc", "/etcx" is not.</summary>
    public static bool IsUnder(string path, string dir) =>
        path.Length > dir.Length && path.StartsWith(dir, StringComparison.Ordinal) && (dir.EndsWith('/') || path[dir.Length] == '/');

    /// <summary>The name a report shows for a file: the mapping's dest plus the file's path inside a mapped directory.</summary>
    public static string ReportName(string dest, string relative) =>
        dest.Length == 0 ? relative : relative.Length == 0 ? dest : dest.TrimEnd('/') + "/" + relative;
}
