using System.Diagnostics;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>What a shell script printed and returned.</summary>
public sealed record ShellResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>Runs shell scripts as a CI runner or a user would: a real process, its own environment, bounded in time.</summary>
public static class Shell
{
    /// <summary>
    /// Runs <paramref name="script"/> with <paramref name="shell"/> (<c>bash -e -o pipefail</c> by default). With
    /// <paramref name="env"/> the process gets only those variables (a clean runner), else this process's.
    /// </summary>
    public static ShellResult Run(string script, string? cwd = null, IReadOnlyDictionary<string, string>? env = null,
        TimeSpan? timeout = null, string[]? shell = null)
    {
        shell ??= ["bash", "-e", "-o", "pipefail", "-c"];
        var start = new ProcessStartInfo(shell[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in shell.Skip(1))
            start.ArgumentList.Add(arg);
        start.ArgumentList.Add(script);
        if (cwd is not null)
            start.WorkingDirectory = cwd;
        if (env is not null)
        {
            start.Environment.Clear();
            foreach (var (name, value) in env)
                start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{script}' did not finish in {timeout ?? TimeSpan.FromMinutes(5)}: {stderr.Result}");
        }
        return new ShellResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs the script and throws with its output unless it exits 0.</summary>
    public static string Check(string script, string? cwd = null, IReadOnlyDictionary<string, string>? env = null, TimeSpan? timeout = null)
    {
        var result = Run(script, cwd, env, timeout);
        return result.ExitCode == 0 ? result.Out : throw new InvalidOperationException($"'{script}' failed: {result}");
    }

    /// <summary>A clean environment with a fresh HOME: what a new user or a CI container starts with.</summary>
    public static Dictionary<string, string> CleanEnv(string home, string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") => new()
    {
        ["HOME"] = home,
        ["PATH"] = path,
        ["LANG"] = "C.UTF-8",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };
}
