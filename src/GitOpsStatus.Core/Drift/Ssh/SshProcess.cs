using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace GitOpsStatus.Core.Drift.Ssh;

/// <summary>
/// The OpenSSH client running <c>sh -s</c> on a target's host, its stdin, stdout and stderr redirected: the user's ssh
/// config, agent, ProxyJump and known_hosts apply. Shared by the check's session and the realtime agent's watch session.
/// </summary>
internal static class SshProcess
{
    public static Process Start(SshLocation location, CheckOptions options)
    {
        var start = new ProcessStartInfo(options.SshProgram)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments(location, options))
            start.ArgumentList.Add(arg);
        try
        {
            return Process.Start(start) ?? throw new TargetUnavailableException($"could not start {options.SshProgram}");
        }
        catch (Win32Exception e)
        {
            throw new TargetUnavailableException($"could not run {options.SshProgram} (install openssh-client): {e.Message}", e);
        }
    }

    /// <summary>Batch mode (never prompt), strict host key checking, and the key and known_hosts the config names.</summary>
    private static List<string> Arguments(SshLocation location, CheckOptions options)
    {
        var args = new List<string>
        {
            "-T", "-o", "BatchMode=yes",
            "-o", $"StrictHostKeyChecking={(options.AcceptNewHostKeys ? "accept-new" : "yes")}",
            "-o", $"ConnectTimeout={Math.Max(1, (int)options.ConnectTimeout.TotalSeconds)}",
            "-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=3", "-o", "LogLevel=ERROR",
        };
        if (location.KnownHostsFile is { } knownHosts)
            args.AddRange(["-o", $"UserKnownHostsFile=\"{knownHosts}\""]);
        if (location.KeyFile is { } key)
            args.AddRange(["-i", key, "-o", "IdentitiesOnly=yes"]);
        if (location.Endpoint.Port is { } port)
            args.AddRange(["-p", port.ToString(CultureInfo.InvariantCulture)]);
        if (location.Endpoint.User is { } user)
            args.AddRange(["-l", user]);
        args.AddRange(["--", location.Endpoint.Host, "sh -s"]);
        return args;
    }
}
