using System.Globalization;
using System.Text;

namespace GitOpsStatus.Core.Drift.Ssh;

/// <summary>
/// The POSIX shell (GNU coreutils and findutils) the remote <c>sh -s</c> runs. Every path is single-quoted and every
/// output field ends with NUL, so names with spaces, quotes or newlines survive. Records:
/// <c>F path mode user:group type</c> (find -printf), <c>&lt;sha256&gt;  path</c> (sha256sum -z), <c>X dir-index relative</c>
/// (find), <c>A resolved… S status</c> or <c>R resolved</c> (realpath), <c>C base64-tar</c> (contents), between a begin marker (anything a login banner prints before it is skipped)
/// and an end marker.
/// </summary>
internal static class RemoteScript
{
    public const string Begin = "GITOPS-STATUS-BEGIN";
    public const string End = "GITOPS-STATUS-END";
    public const string NoRoot = "NOROOT";
    public const string Error = "E";

    // Far below the kernel's argument-size limit even for long paths; few processes for 10,000 files.
    private const int PathsPerCommand = 1000;

    /// <summary>
    /// The scan, run from inside <paramref name="root"/> so paths under it travel as short <c>./relative</c> names (see
    /// <see cref="RemoteNames"/>). Directories mapped whole (<see cref="ScanRequest.WalkDirectories"/>) are walked once and
    /// their regular files hashed in batches; the other paths go to a list file, and <c>xargs -P</c> runs one batch per core, each writing its
    /// stat records (find -fprintf), its hashes (sha256sum -z through find -exec, regular files only: a FIFO would block it) and its errors
    /// to files of its own, so parallel output never interleaves; the files are then printed one after another. One
    /// batch per core keeps the processes started to a handful however many files. Errors other than "no such file"
    /// become <c>E message</c> records: a file that exists but cannot be read must never pass for missing or synced.
    /// </summary>
    public static string Scan(string root, ScanRequest request)
    {
        var names = new RemoteNames(root);
        var walk = Outermost(request.WalkDirectories ?? []);
        var listed = request.Paths.Where(p => !walk.Any(d => TargetPaths.IsUnder(p, d))).ToList();
        var script = new StringBuilder("export LC_ALL=C\nset -f\n");
        script.Append(CultureInfo.InvariantCulture, $"printf '{Begin}\\000'\n");
        script.Append(CultureInfo.InvariantCulture, $"[ -d {Quote(root)} ] || {{ printf '{NoRoot}\\000{End}\\000'; exit 0; }}\n");
        script.Append(CultureInfo.InvariantCulture, $"cd {Quote(root)} 2>/dev/null || {{ printf '{Error}\\000cannot enter %s\\000{End}\\000' {Quote(root)}; exit 0; }}\n");
        script.Append(CultureInfo.InvariantCulture, $"d=$(mktemp -d 2>/dev/null) || {{ printf '{Error}\\000cannot create a temporary directory (mktemp -d)\\000{End}\\000'; exit 0; }}\n");
        script.Append("trap 'rm -rf \"$d\"' EXIT\n");
        // find -printf rather than stat: one stat(2) per file, and user/group names (a passwd lookup each) only when asked.
        var mode = request.WantMode ? "%m" : "";
        var owner = request.WantOwner ? "%u:%g" : "";
        var wantStat = request.WantMode || request.WantOwner;
        script.Append(CultureInfo.InvariantCulture, $"p=$(nproc 2>/dev/null || echo 2); n=$(( ({request.Paths.Count} + p - 1) / p )); [ \"$n\" -ge 64 ] || n=64\n");
        // Each batch names its files after its own PID (created with noclobber, mktemp only if that name is taken), so
        // parallel output never interleaves: a few processes a batch however many files.
        const string batch = "f=\"$0/$$\"; (set -C; : >\"$f.h\") 2>/dev/null || { f=$(mktemp --suffix=.h \"$0/XXXXXX\") && f=${f%.h}; } || exit 0; ";
        if (walk.Count > 0)
        {
            // Directories mapped whole are walked once and every regular file under them hashed, as rsync does: a walk is
            // far cheaper than finding each file as a start point of its own (bench/check/run.sh, 10,000 files over SSH).
            // What is not a regular file gets a stat record (its type), so a FIFO or a directory where a file belongs is named.
            var stat = $"-fprintf \"$d/w.s\" \"F\\000%p\\000{mode}\\000{owner}\\000%y\\000\"";
            script.Append("find -L");
            foreach (var dir in walk)
                names.AppendQuoted(script.Append(' '), dir);
            script.Append(wantStat ? $" {stat} \\( -type f -print0 -o -true \\)" : $" -type f -print0 -o {stat}");
            script.Append(" </dev/null 2>\"$d/w.e\" | xargs -0 -r -n \"$n\" -P \"$p\" sh -c '")
                  .Append(batch).Append("sha256sum -z -- \"$@\" >>\"$f.h\" 2>\"$f.e\"; exit 0' \"$d\" &\n");
        }
        if (listed.Count > 0)
        {
            script.Append(": >\"$d/list\"\n");
            foreach (var chunk in listed.Chunk(PathsPerCommand))
            {
                script.Append("printf '%s\\000'");
                foreach (var path in chunk)
                    names.AppendQuoted(script.Append(' '), path);
                script.Append(" >>\"$d/list\"\n");
            }
            // Without mode/owner, only what is not a regular file needs a stat record (its type): half the output to parse.
            // Stat records go to a file of their own (-fprintf): the hashes sha256sum writes to stdout never interleave with
            // them. Regular files only are hashed (through find -exec): a FIFO would block sha256sum.
            var stat = $"-fprintf \"$f.s\" \"F\\000%p\\000{mode}\\000{owner}\\000%y\\000\"";
            const string hash = "-type f -exec sha256sum -z -- {} +";
            var tests = wantStat ? $"{stat} {hash}" : $"{hash} -o {stat}";
            script.Append("xargs -0 -r -n \"$n\" -P \"$p\" sh -c '").Append(batch)
                  .Append(CultureInfo.InvariantCulture, $"find -L \"$@\" -maxdepth 0 {tests} >>\"$f.h\" 2>\"$f.e\"; exit 0' \"$d\" <\"$d/list\" &\n");
        }
        // The listings stream out while the hashing runs in the background: a tree walk is cheap next to hashing, and
        // the checker parses them meanwhile (bench/check/run.sh, 10,000 files over SSH).
        for (var i = 0; i < request.ListDirectories.Count; i++)
        {
            var dir = Quote(request.ListDirectories[i]);
            script.Append(CultureInfo.InvariantCulture, $"[ -d {dir} ] && find -L {dir} -type f -printf 'X\\000{i}\\000%P\\000' </dev/null 2>>\"$d/x.e\"\n");
        }
        script.Append("wait\nset +f\ncat \"$d\"/*.s \"$d\"/*.h 2>/dev/null\n");
        // Missing files are not errors; a directory loop under -L is reported once and its files are still listed once.
        // The first three other lines become E records, read by the shell itself (no grep or head to start).
        script.Append("k=0; for e in \"$d\"/*.e; do [ -s \"$e\" ] || continue; while IFS= read -r line; do case $line in ")
              .Append("*': No such file or directory' | *': Not a directory' | *'File system loop detected'*) ;; ")
              .Append(CultureInfo.InvariantCulture, $"*) printf '{Error}\\000%s\\000' \"$line\"; k=$((k + 1)); [ \"$k\" -lt 3 ] || break 2 ;; esac; done <\"$e\"; done\n");
        return script.Append(CultureInfo.InvariantCulture, $"printf '{End}\\000'\n").ToString();
    }

    /// <summary>The directories not under another of them (a tree walked once).</summary>
    private static List<string> Outermost(IReadOnlyList<string> dirs) =>
        dirs.Distinct(StringComparer.Ordinal).Where(d => !dirs.Any(o => o != d && TargetPaths.IsUnder(d, o))).ToList();

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
            script.Append(CultureInfo.InvariantCulture, $" -maxdepth 0 -type f -size -{kib}k -print0 </dev/null 2>/dev/null | tar -chf - -P --null -T - 2>/dev/null | base64 -w0; printf '\\000'\n");
        }
        return script.Append(CultureInfo.InvariantCulture, $"printf '{End}\\000'\nexit 0\n").ToString();
    }

    /// <summary>
    /// Each path with its symlinks resolved on the remote host (<c>realpath -e</c>). One <c>realpath -z</c> process per chunk
    /// answers <c>A</c>, the resolved paths in order, then <c>S status</c>; only when that status is not 0 (a path that
    /// cannot be resolved, so the answers do not line up) does the chunk fall back to one <c>R resolved</c> record per
    /// path, empty for a failure. A resolved path is absolute, so it is never taken for the <c>S</c> marker. A fork per
    /// path made the 10,000-file SSH check (100 modified files) slower than rsync in bench/check/run.sh, and so did a
    /// temporary file (mktemp, cat, rm) to hold the answers.
    /// </summary>
    public static string Resolve(IReadOnlyList<string> paths)
    {
        var script = new StringBuilder("export LC_ALL=C\n");
        foreach (var chunk in paths.Chunk(PathsPerCommand))
        {
            script.Append("set --");
            foreach (var path in chunk)
                script.Append(' ').Append(Quote(path));
            // The x keeps a trailing newline of a name from being dropped by $(...).
            script.Append("\nprintf 'A\\000'; realpath -z -e -- \"$@\" 2>/dev/null; s=$?; printf 'S\\000%s\\000' \"$s\"\n")
                  .Append("[ \"$s\" = 0 ] || for p; do if r=$(realpath -e -- \"$p\" 2>/dev/null && printf x); then printf 'R\\000%s\\000' \"${r%?x}\"; else printf 'R\\000\\000'; fi; done\n");
        }
        return script.Append(CultureInfo.InvariantCulture, $"printf '{End}\\000'\n").ToString();
    }

    /// <summary>POSIX single quoting: everything literal, including newlines; a quote becomes <c>'\''</c>.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>What <see cref="Quote"/> puts between the outer quotes, appended in place.</summary>
    public static void AppendQuotedBody(StringBuilder script, ReadOnlySpan<char> value)
    {
        for (int quote; (quote = value.IndexOf('\'')) >= 0; value = value[(quote + 1)..])
            script.Append(value[..quote]).Append("'\\''");
        script.Append(value);
    }
}
