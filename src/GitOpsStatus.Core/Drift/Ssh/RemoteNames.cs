namespace GitOpsStatus.Core.Drift.Ssh;

/// <summary>
/// How the scan, run from inside <paramref name="root"/>, names paths: one under the root as <c>./</c> and the rest (half
/// the bytes of 10,000 long absolute paths, both ways, and never taken for a find option); any other path stays absolute.
/// </summary>
internal sealed class RemoteNames(string root)
{
    private readonly string prefix = root.EndsWith('/') ? root : root + "/";

    /// <summary>
    /// Appends the remote name of <paramref name="path"/>, single-quoted, without building it as a string (10,000 of them in a
    /// scan script). The root itself is <c>.</c>, so what find prints under it is <c>./relative</c> too.
    /// </summary>
    public void AppendQuoted(System.Text.StringBuilder script, string path)
    {
        var bare = path.AsSpan().TrimEnd('/');
        if (bare.Length == prefix.Length - 1 && prefix.AsSpan().StartsWith(bare, StringComparison.Ordinal))
        {
            script.Append("'.'");
            return;
        }
        var under = path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length;
        script.Append(under ? "'./" : "'");
        RemoteScript.AppendQuotedBody(script, under ? path.AsSpan(prefix.Length) : path);
        script.Append('\'');
    }

    /// <summary>The full path of a name the scan printed.</summary>
    public string FromRemote(ReadOnlySpan<char> name) =>
        name.StartsWith("./", StringComparison.Ordinal) ? string.Concat(prefix, name[2..]) : name.ToString();

    /// <summary>A find or sha256sum error line with its <c>./relative</c> names made full again (<c>find: './a': …</c>, <c>sha256sum: ./a: …</c>).</summary>
    public string FromRemoteMessage(string message) =>
        message.Replace("'./", "'" + prefix, StringComparison.Ordinal).Replace(": ./", ": " + prefix, StringComparison.Ordinal);
}
