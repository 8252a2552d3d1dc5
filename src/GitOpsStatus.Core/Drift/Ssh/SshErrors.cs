namespace GitOpsStatus.Core.Drift.Ssh;

/// <summary>Turns OpenSSH's stderr into one sentence for a report's <c>error</c>.</summary>
internal static class SshErrors
{
    public static string Describe(string stderr, int? exitCode, SshEndpoint endpoint)
    {
        if (stderr.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal))
            return $"the SSH host key of {endpoint} has changed since it was recorded in known_hosts (possibly a man-in-the-middle attack), so the connection was refused; if the host was reinstalled, remove the old key with ssh-keygen -R and add the new one";
        if (stderr.Contains("Host key verification failed", StringComparison.Ordinal))
            return $"the SSH host key of {endpoint} is not in known_hosts, so the connection was refused; add it (ssh-keyscan) or pass --accept-new-host-keys";
        var lines = stderr.Split('\n')
            .Select(l => l.Trim().TrimEnd('\r'))
            .Where(l => l.Length > 0 && !l.StartsWith("Warning: Permanently added", StringComparison.Ordinal) && l.Any(c => c != '@'))
            .ToList();
        return lines.Count == 0
            ? $"ssh to {endpoint} exited with code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} before the check finished"
            : $"ssh to {endpoint} failed: {string.Join(" ", lines.TakeLast(3))}";
    }
}
