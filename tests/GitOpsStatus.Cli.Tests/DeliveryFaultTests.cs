using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests;

/// <summary>
/// Delivery against servers that fail on purpose (a raw listener on loopback that hangs, drops the connection or
/// answers 500/503): every attempt is made, bounded by the per-attempt timeout, then the report is spooled and the
/// next run delivers it to the project's real server. Nothing is lost.
/// </summary>
public sealed class DeliveryFaultTests : IDisposable
{
    private const int Retries = 2;
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    private Dictionary<string, string> Env(string url) => new()
    {
        ["GITOPS_URL"] = url,
        ["GITOPS_SPOOL_DIR"] = tree["spool"],
        ["GITOPS_RETRIES"] = Retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["GITOPS_RETRY_DELAY"] = "10ms",
        ["GITOPS_TIMEOUT"] = "1s",
    };

    private string[] Spooled() => Directory.Exists(tree["spool"]) ? Directory.GetFiles(tree["spool"], "*.json") : [];

    [Theory(Timeout = 120_000)]
    [InlineData(Fault.Hang, "The operation didn't complete within the allowed timeout of '00:00:01'.")]
    [InlineData(Fault.Drop, "")]
    [InlineData(Fault.Status500, "HTTP 500: fault injected by the test")]
    [InlineData(Fault.Status503, "HTTP 503: fault injected by the test")]
    public async Task A_failing_server_gets_every_attempt_then_the_report_is_spooled_and_delivered_on_the_next_run(Fault fault, string detail)
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        tree.Write("actual/a.conf", "drifted\n");
        CliResult failed;
        int attempts;
        using (var faulty = new FaultyHttpServer(fault))
        {
            failed = await CliRunner.RunAsync(["check", "--repo", "infra/app", "--server", "lab-1", "--desired", desired, "--actual", actual, "--revision", "r1"], Env(faulty.Url)).WaitAsync(TestContext.Current.CancellationToken);
            attempts = faulty.Connections;
        }
        var spooled = Spooled();
        using var server = new StatusServer();
        var next = await CliRunner.RunAsync(["check", "--repo", "infra/app", "--server", "lab-2", "--desired", desired, "--actual", actual, "--revision", "r2"], Env(server.Url));

        Assert.Equal(1, failed.ExitCode);
        Assert.Contains($"could not deliver infra/app/lab-1 ({detail}", failed.Err, StringComparison.Ordinal);
        Assert.Contains("spooled to", failed.Err, StringComparison.Ordinal);
        if (fault == Fault.Drop)
            Assert.InRange(attempts, Retries + 1, 3 * (Retries + 1)); // HttpClient may itself retry a request whose connection was dropped
        else
            Assert.Equal(Retries + 1, attempts);
        Assert.Single(spooled);
        Assert.Equal(0, next.ExitCode);
        Assert.Contains("delivered spooled report", next.Err, StringComparison.Ordinal);
        Assert.Empty(Spooled());
        var rows = await server.TargetsAsync();
        Assert.Equal(("OUT_OF_SYNC", "r1"), (rows["lab-1"].GetProperty("sync_status").GetString(), rows["lab-1"].GetProperty("revision").GetString()));
        Assert.Equal("r2", rows["lab-2"].GetProperty("revision").GetString());
    }
}
