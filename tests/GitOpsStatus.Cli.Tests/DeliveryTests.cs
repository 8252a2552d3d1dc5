using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

/// <summary>Delivery to the project's own status server on a loopback port.</summary>
public sealed class DeliveryTests : IDisposable
{
    private readonly TempTree tree = new();
    private readonly StatusServer server = new();

    public void Dispose()
    {
        server.Dispose();
        tree.Dispose();
    }

    private Dictionary<string, string> Env(string? url = null) => new()
    {
        ["GITOPS_URL"] = url ?? server.Url,
        ["GITOPS_SPOOL_DIR"] = tree["spool"],
        ["GITOPS_RETRIES"] = "1",
        ["GITOPS_RETRY_DELAY"] = "10ms",
    };

    private string[] Spooled() => Directory.Exists(tree["spool"]) ? Directory.GetFiles(tree["spool"], "*.json") : [];

    private static Task<CliResult> CheckAsync(string desired, string actual, IReadOnlyDictionary<string, string> env, params string[] more) =>
        CliRunner.RunAsync(["check", "--repo", "infra/rsyslog", "--server", "lab-1", "--desired", desired, "--actual", actual, .. more], env);

    [Fact]
    public async Task A_drifted_report_arrives_at_the_server_and_the_exit_code_is_0()
    {
        var (desired, actual) = tree.Pair(("rsyslog.conf", "a\n"), ("rsyslog.d/30-lab.conf", "b\n"));
        tree.Write("actual/rsyslog.conf", "edited\n");

        var result = await CheckAsync(desired, actual, Env(), "--revision", "abc1234", "--source", "cron");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("delivered infra/rsyslog/lab-1 (stored)", result.Err, StringComparison.Ordinal);
        var row = (await server.TargetsAsync())["lab-1"];
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.Equal(1, row.GetProperty("drift_count").GetInt32());
        Assert.Equal("rsyslog.conf", row.GetProperty("files").GetString());
        Assert.Equal(("abc1234", "cron"), (row.GetProperty("revision").GetString(), row.GetProperty("source").GetString()));
        Assert.Empty(Spooled());
    }

    [Fact]
    public async Task Machine_formats_print_only_the_report_on_stdout_and_logs_go_to_stderr()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));

        var json = await CheckAsync(desired, actual, Env(), "--format", "json");
        var markers = await CheckAsync(desired, actual, Env(), "--format", "markers");

        Assert.Equal(SyncStatus.Synced, Assert.Single(Reports.Parse(json.Out)).SyncStatus);
        Assert.Equal("REPO=infra/rsyslog\nSERVER=lab-1\nDRIFTED_FILES=\nSYNC_STATUS=SYNCED\n", markers.Out);
        Assert.Contains("delivered", json.Err, StringComparison.Ordinal);
        Assert.Contains("delivered infra/rsyslog/lab-1", markers.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_server_is_down_reports_are_spooled_and_sent_first_next_run_in_order()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"), ("b.conf", "b\n"));
        var down = Env($"http://127.0.0.1:{Processes.FreePort()}");

        tree.Write("actual/a.conf", "drift 1\n");
        var first = await CheckAsync(desired, actual, down, "--revision", "r1");
        tree.Write("actual/b.conf", "drift 2\n");
        var second = await CheckAsync(desired, actual, down, "--revision", "r2");
        var spooledWhileDown = Spooled().Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        File.WriteAllText(tree["actual/a.conf"], "a\n");
        File.WriteAllText(tree["actual/b.conf"], "b\n");
        var third = await CheckAsync(desired, actual, Env(), "--revision", "r3");

        Assert.Equal((1, 1, 0), (first.ExitCode, second.ExitCode, third.ExitCode));
        Assert.Contains("spooled to", first.Err, StringComparison.Ordinal);
        Assert.Equal(2, spooledWhileDown.Count);
        Assert.Contains("\"revision\":\"r1\"", spooledWhileDown[0], StringComparison.Ordinal);
        Assert.Contains("\"revision\":\"r2\"", spooledWhileDown[1], StringComparison.Ordinal);
        // Each delivery is "stored": none came after a newer one (that would be "superseded"), none twice ("unchanged").
        var delivered = third.Err.Split('\n').Where(l => l.Contains("delivered", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, delivered.Count);
        Assert.All(delivered, line => Assert.EndsWith("(stored)", line, StringComparison.Ordinal));
        Assert.Contains("spooled report", delivered[0], StringComparison.Ordinal);
        Assert.Contains("spooled report", delivered[1], StringComparison.Ordinal);
        Assert.Contains("delivered infra/rsyslog/lab-1", delivered[2], StringComparison.Ordinal);
        Assert.Empty(Spooled());
        var row = (await server.TargetsAsync())["lab-1"];
        Assert.Equal(("SYNCED", "r3"), (row.GetProperty("sync_status").GetString(), row.GetProperty("revision").GetString()));
    }

    [Fact]
    public async Task A_refused_report_exits_1_and_is_not_spooled()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));

        var result = await CheckAsync(desired, actual, Env(server.Url + "/no-such-prefix"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refused", result.Err, StringComparison.Ordinal);
        Assert.Contains("HTTP 404", result.Err, StringComparison.Ordinal);
        Assert.Empty(Spooled());
    }

    [Fact]
    public async Task Push_delivers_a_ready_report_from_a_file_or_stdin()
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var seed = $$"""
            { "repo": "rsyslog", "server": "rsyslog-lab", "sync_status": "OUT_OF_SYNC", "drift_count": 2,
              "files": [ { "name": "rsyslog.conf" }, { "name": "rsyslog.d/30-lab.conf" } ],
              "last_check": "{{now}}" }
            """;
        var file = tree.Write("report.json", seed);
        var later = seed.Replace("rsyslog-lab", "rsyslog-prod", StringComparison.Ordinal);

        var fromFile = await CliRunner.RunAsync(["push", file], Env());
        var fromStdin = await CliRunner.RunAsync(["push", "-"], Env(), stdin: later);

        Assert.Equal((0, 0), (fromFile.ExitCode, fromStdin.ExitCode));
        var rows = await server.TargetsAsync();
        Assert.Equal("rsyslog.conf, rsyslog.d/30-lab.conf", rows["rsyslog-lab"].GetProperty("files").GetString());
        Assert.Equal("OUT_OF_SYNC", rows["rsyslog-prod"].GetProperty("sync_status").GetString());
    }

    [Fact]
    public async Task Push_accepts_the_array_check_prints_and_spools_when_the_server_is_down()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        var check = await CheckAsync(desired, actual, Env(), "--format", "json", "--no-send");

        var down = await CliRunner.RunAsync(["push", "-"], Env($"http://127.0.0.1:{Processes.FreePort()}"), stdin: check.Out);
        var spooled = Spooled().Length;
        var up = await CliRunner.RunAsync(["push", "-"], Env(), stdin: check.Out);

        Assert.Equal((1, 1, 0), (down.ExitCode, spooled, up.ExitCode));
        Assert.Empty(Spooled());
        Assert.Equal("SYNCED", (await server.TargetsAsync())["lab-1"].GetProperty("sync_status").GetString());
    }

    [Fact]
    public async Task Push_of_an_invalid_report_names_the_field_and_exits_1_without_sending()
    {
        var file = tree.Write("bad.json", """{ "repo": "r", "server": "s", "sync_status": "SYNCED", "drift_count": 2 }""");

        var result = await CliRunner.RunAsync(["push", file], Env());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("drift_count", result.Err, StringComparison.Ordinal);
        Assert.Empty(await server.TargetsAsync());
        Assert.Empty(Spooled());
    }
    [Fact]
    public async Task Every_report_request_names_the_checker_and_its_version_in_its_User_Agent()
    {
        using var faulty = new FaultyHttpServer(Fault.Status503);
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));

        await CheckAsync(desired, actual, Env(faulty.Url));

        Assert.Equal(2, faulty.RequestHeads.Count); // the attempt and its one retry
        Assert.All(faulty.RequestHeads, head => Assert.Matches(@"(?m)^User-Agent: gitops-status/\d+\.\d+\.\d+\S*\r?$", head));
    }

    [Fact]
    public async Task A_refused_token_is_explained_once_naming_the_clients_setting()
    {
        using var guarded = new StatusServer(new Dictionary<string, string> { ["GITOPS_WRITE_TOKENS"] = "w-secret:infra/*@web-*", ["GITOPS_READ_TOKEN"] = "r-secret" });
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));

        var none = await CheckAsync(desired, actual, Env(guarded.Url));
        var wrong = await CheckAsync(desired, actual, Env(guarded.Url), "--token", "nope");
        var readToken = await CheckAsync(desired, actual, Env(guarded.Url), "--token", "r-secret");
        var outOfScope = await CheckAsync(desired, actual, Env(guarded.Url), "--token", "w-secret");

        Assert.Equal((1, 1, 1, 1), (none.ExitCode, wrong.ExitCode, readToken.ExitCode, outOfScope.ExitCode));
        Assert.Contains("refused the report for infra/rsyslog/lab-1: HTTP 401: the server requires a write token and none was sent; pass --token or set GITOPS_TOKEN\n", none.Err, StringComparison.Ordinal);
        Assert.Contains("HTTP 401: the server does not accept the token sent (from --token or GITOPS_TOKEN); check it against the server's write tokens\n", wrong.Err, StringComparison.Ordinal);
        Assert.Contains("HTTP 403: the token sent (from --token or GITOPS_TOKEN) is valid but not a write token\n", readToken.Err, StringComparison.Ordinal);
        Assert.Contains("HTTP 403: server: this write token may report only for infra/*@web-* (repo@server globs), not for \"infra/rsyslog\"@\"lab-1\"; the token sent (from --token or GITOPS_TOKEN) does not cover this target\n", outOfScope.Err, StringComparison.Ordinal);
        Assert.All([none.Err, wrong.Err, readToken.Err, outOfScope.Err], err => Assert.DoesNotContain("GITOPS_WRITE_TOKENS", err, StringComparison.Ordinal));
    }
}
