using System.Globalization;
using System.Text;
using GitOpsStatus.Core.Drift.Ssh;

namespace GitOpsStatus.Core.Drift.Fix;

/// <summary>
/// The POSIX shell (GNU coreutils) that carries out <see cref="FileWrite"/>s, the same for a local target (<c>sh -s</c>
/// here) and a remote one (the SSH connection's <c>sh -s</c>): contents travel base64 in here-documents, and each write
/// answers <c>O</c> or <c>E message</c>, NUL-terminated, between the begin and end markers of <see cref="RemoteScript"/>.
/// </summary>
internal static class WriteScript
{
    private const string Eof = "end_of_content"; // '_' is not in the base64 alphabet: no line of content can end the here-document

    public static string Build(IReadOnlyList<FileWrite> writes)
    {
        var script = new StringBuilder("export LC_ALL=C\n");
        script.Append(CultureInfo.InvariantCulture, $"printf '{RemoteScript.Begin}\\000'\n");
        script.Append("e=$(mktemp 2>/dev/null) || e=/dev/null\n");
        foreach (var write in writes)
        {
            var path = RemoteScript.Quote(write.Path);
            var steps = new List<string>();
            script.Append("ok=0; n=\n");
            if (write.Content is { } content)
            {
                var dir = RemoteScript.Quote(TargetPaths.Parent(write.Path));
                var temp = RemoteScript.Quote(TargetPaths.Join(TargetPaths.Parent(write.Path), ".gitops-status-tmp.XXXXXX"));
                script.Append(CultureInfo.InvariantCulture, $"mkdir -p -- {dir} 2>\"$e\" && n=$(mktemp -- {temp} 2>>\"$e\") && base64 -d >\"$n\" 2>>\"$e\" <<'{Eof}' || ok=1\n")
                    .Append(Convert.ToBase64String(content, Base64FormattingOptions.InsertLineBreaks)).Append('\n')
                    .Append(Eof).Append('\n');
                if (write.Backup is { } backup)
                    steps.Add($"cp -p -- {path} {RemoteScript.Quote(backup)}");
                // The old file's mode and owner carry over; chown needs root, so only its failure is tolerated.
                steps.Add($"if [ -e {path} ]; then chmod --reference={path} \"$n\" && {{ chown --reference={path} \"$n\" 2>/dev/null || :; }}; else chmod {write.NewFileMode} \"$n\"; fi");
                if (write.Mode is { } mode)
                    steps.Add($"chmod {RemoteScript.Quote(mode)} \"$n\"");
                if (write.Owner is { } owner)
                    steps.Add($"chown -- {RemoteScript.Quote(owner)} \"$n\"");
                steps.Add($"mv -f -- \"$n\" {path}");
            }
            else
            {
                script.Append(": >\"$e\" 2>/dev/null\n");
                if (write.Mode is { } mode)
                    steps.Add($"chmod -- {RemoteScript.Quote(mode)} {path}");
                if (write.Owner is { } owner)
                    steps.Add($"chown -- {RemoteScript.Quote(owner)} {path}");
            }
            script.Append("if [ $ok -eq 0 ] && { ").Append(string.Join(" && ", steps)).Append("; } 2>>\"$e\"; then printf 'O\\000'; ")
                .Append("else [ -z \"$n\" ] || rm -f -- \"$n\"; printf 'E\\000%s\\000' \"$(head -c 400 \"$e\" | tr '\\n' ' ')\"; fi\n");
        }
        script.Append("[ \"$e\" = /dev/null ] || rm -f -- \"$e\"\n");
        return script.Append(CultureInfo.InvariantCulture, $"printf '{RemoteScript.End}\\000'\n").ToString();
    }

    /// <summary>Reads the answers to <see cref="Build"/>: null for a write done, the error text otherwise.</summary>
    public static async Task<IReadOnlyList<string?>> ReadResultsAsync(Func<CancellationToken, ValueTask<string>> next, int count, string where, CancellationToken cancellationToken)
    {
        for (var token = await next(cancellationToken); !token.EndsWith(RemoteScript.Begin, StringComparison.Ordinal);)
            token = await next(cancellationToken);
        var results = new List<string?>(count);
        while (await next(cancellationToken) is var token && token != RemoteScript.End)
        {
            results.Add(token switch
            {
                "O" => null,
                "E" => await next(cancellationToken) is { Length: > 0 } message ? message.Trim() : "failed",
                _ => throw new TargetUnavailableException($"unexpected output from {where}: \"{(token.Length <= 80 ? token : token[..80] + "…")}\""),
            });
        }
        if (results.Count != count)
            throw new TargetUnavailableException($"{where} answered {results.Count} of {count} writes");
        return results;
    }
}
