using System.Globalization;
using System.Text;

namespace GitOpsStatus.Core.Drift.Ssh;

/// <summary>
/// The POSIX shell (GNU coreutils and findutils) the remote <c>sh -s</c> runs. Every path is single-quoted and every
/// output field ends with NUL, so names with spaces, quotes or newlines survive. Records:
/// <c>F path mode user:group type</c> (find -printf), <c>&lt;sha256&gt;  path</c> (sha256sum -z), <c>X dir-index relative</c>
/// (find), <c>C base64-tar</c> (contents), between a begin marker (anything a login banner prints before it is skipped)
/// and an end marker.
/// </summary>
internal static class RemoteScript
{
    public const string Begin = "GITOPS-STATUS-BEGIN";
    public const string End = "GITOPS-STATUS-END";
    public const string NoRoot = "NOROOT";

    // Far below the kernel's argument-size limit even for long paths; few processes for 10,000 files.
    private const int PathsPerCommand = 1000;

    public static string Scan(string root, ScanRequest request)
    {
        var script = new StringBuilder("export LC_ALL=C\nset -f\n");
        script.Append(CultureInfo.InvariantCulture, $"printf '{Begin}\\000'\n");
        script.Append(CultureInfo.InvariantCulture, $"[ -d {Quote(root)} ] || {{ printf '{NoRoot}\\000{End}\\000'; exit 0; }}\n");
        // find -printf rather than stat: one stat(2) per file, and user/group names (a passwd lookup each) only when asked.
        var mode = request.WantMode ? "%m" : "";
        var owner = request.WantOwner ? "%u:%g" : "";
        script.Append(CultureInfo.InvariantCulture, $"c() {{ find -L \"$@\" -maxdepth 0 -printf 'F\\000%p\\000{mode}\\000{owner}\\000%y\\000' </dev/null 2>/dev/null; ")
              .Append("sha256sum -z -- \"$@\" </dev/null 2>/dev/null; }\n");
        foreach (var chunk in request.Paths.Chunk(PathsPerCommand))
        {
            script.Append('c');
            foreach (var path in chunk)
                script.Append(' ').Append(Quote(path));
            script.Append('\n');
        }
        for (var i = 0; i < request.ListDirectories.Count; i++)
        {
            var dir = Quote(request.ListDirectories[i]);
            script.Append(CultureInfo.InvariantCulture, $"[ -d {dir} ] && find -L {dir} -type f -printf 'X\\000{i}\\000%P\\000' </dev/null 2>/dev/null\n");
        }
        return script.Append(CultureInfo.InvariantCulture, $"printf '{End}\\000'\n").ToString();
    }

    /// <summary>
    /// Contents of the files that differ, as one tar archive per chunk (GNU tar keeps any name and byte), base64 so it
    /// fits the NUL-separated stream: a few processes however many files, where a pipeline per file would cost a
    /// fork each. Files larger than <paramref name="maxBytes"/> are left out (find -size), as are unreadable ones.
    /// </summary>
    public static string Read(IReadOnlyList<string> paths, int maxBytes)
    {
        var script = new StringBuilder("export LC_ALL=C\n");
        var kib = (maxBytes + 1023) / 1024 + 1;
        foreach (var chunk in paths.Chunk(PathsPerCommand))
        {
            script.Append("printf 'C\\000'; find -L");
            foreach (var path in chunk)
                script.Append(' ').Append(Quote(path));
            script.Append(CultureInfo.InvariantCulture, $" -maxdepth 0 -type f -size -{kib}k -print0 </dev/null 2>/dev/null | tar -cf - -P --null -T - 2>/dev/null | base64 -w0; printf '\\000'\n");
        }
        return script.Append(CultureInfo.InvariantCulture, $"printf '{End}\\000'\nexit 0\n").ToString();
    }

    /// <summary>POSIX single quoting: everything literal, including newlines; a quote becomes <c>'\''</c>.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
