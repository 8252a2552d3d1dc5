using System.Diagnostics;
using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

/// <summary>The checker as it ships (its own runtimeconfig, run as a process) tells a person what failed in a sentence.</summary>
public sealed class ShippedMessagesTests : IDisposable
{
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    [Fact]
    public async Task An_unreadable_directory_is_named_in_a_sentence_never_a_resource_key()
    {
        var (desired, actual) = tree.Pair(("sub/a.conf", "a\n"));
        File.SetUnixFileMode(tree.Root, (UnixFileMode)0b111_101_101); // the temp dir is 0700; the unprivileged user must get in
        File.SetUnixFileMode(tree["desired/sub"], UnixFileMode.None);

        var (code, stdout, stderr) = await RunShippedAsync("runuser", "-u", "gitops-check", "--", "dotnet",
            Path.Join(AppContext.BaseDirectory.Replace("tests/GitOpsStatus.Cli.Tests", "src/GitOpsStatus.Cli", StringComparison.Ordinal), "gitops-status.dll"), "check", "--repo", "r", "--server", "s",
            "--desired", desired, "--actual", actual, "--format", "json", "--no-send");

        Assert.True(code == 1, $"exit {code}: {stderr}");
        var report = Assert.Single(Reports.Parse(stdout));
        Assert.Equal(SyncStatus.Unknown, report.SyncStatus);
        Assert.Equal($"Access to the path '{tree["desired/sub"]}' is denied.", report.Error);
        Assert.DoesNotContain("IODenied", stdout + stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> RunShippedAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["HOME"] = "/tmp";
        start.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, stdout, await stderr);
    }
}
