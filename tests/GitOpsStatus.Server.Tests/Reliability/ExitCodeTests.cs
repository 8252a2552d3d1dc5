using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Issue 18: a background service that fails stops the host, and the server exited 0, so a supervisor restarting on
/// failure (systemd <c>Restart=on-failure</c>) left it down. The shipped server runs as a real process with one more
/// background service, one that throws, added through the runtime's startup hook (<see cref="StartupHook"/>).
/// </summary>
public class ExitCodeTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-exit-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_background_service_that_fails_stops_the_server_with_exit_code_1()
    {
        await using var server = await ServerProcess.StartAsync(_dataDir,
            new Dictionary<string, string> { ["DOTNET_STARTUP_HOOKS"] = typeof(StartupHook).Assembly.Location });

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, exitCode);
        Assert.Contains(server.Output, l => l.Contains(StartupHook.Fault, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sweep_interval_longer_than_a_timer_can_wait_does_not_stop_the_server()
    {
        // 60 days: past Task.Delay's ~49.7, where the stale sweep and the pruner threw after their first round.
        await using var server = await ServerProcess.StartAsync(_dataDir, "--sweep-interval", "60d");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.False(server.HasExited, string.Join("\n", server.Output));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        Assert.Equal(0, await server.TerminateAsync());
    }
}
