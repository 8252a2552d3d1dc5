namespace GitOpsStatus.Server.Dashboard;

/// <summary>A unified diff as coloured lines: added green, removed red, hunk headers blue; every line encoded.</summary>
internal static class DiffView
{
    public static void Write(Html html, string diff)
    {
        html.Raw("<pre class=\"diff\" tabindex=\"0\"><code>");
        var inHunk = false;
        foreach (var line in diff.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n'))
        {
            var kind = Kind(line, inHunk);
            inHunk |= kind == "hunk";
            html.Add($"<span class=\"l {new RawHtml(kind)}\">{(line.Length == 0 ? " " : line)}</span>");
        }
        html.Raw("</code></pre>\n");
    }

    /// <summary>
    /// The CSS class of one line. "---"/"+++" are file headers only before the first hunk: inside
    /// one they are a removed "--…" line or an added "++…" line.
    /// </summary>
    public static string Kind(string line, bool inHunk) =>
        line.StartsWith("@@", StringComparison.Ordinal) ? "hunk"
        : !inHunk && (line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("+++", StringComparison.Ordinal)) ? "head"
        : !inHunk ? "meta"
        : line.StartsWith('+') ? "add"
        : line.StartsWith('-') ? "del"
        : line.StartsWith('\\') ? "note"
        : "ctx";
}
