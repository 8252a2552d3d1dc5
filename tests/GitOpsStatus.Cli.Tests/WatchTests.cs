using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Cli.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Cli.Tests;

/// <summary><c>gitops-status watch</c> in-process, on a fake clock: the schedule drives the runs, cancellation stops the agent.</summary>
public sealed class WatchTests : IDisposable
{
    private readonly TempTree tree = new();
    private readonly StatusServer server = new();
    private readonly StringWriter output = new();
    private readonly TextWriter log;

    public WatchTests() => log = TextWriter.Synchronized(output);

    public void Dispose()
    {
        server.Dispose();
        tree.Dispose();
    }

    private string Log()
    {
        lock (log)
            return output.ToString();
    }

    /// <summary>Moves the fake clock on in 30 s steps until the log shows <paramref name="text"/>; bounded.</summary>
    private async Task AdvanceUntilLoggedAsync(FakeTimeProvider clock, string text)
    {
        for (var step = 0; step < 400 && !Log().Contains(text, StringComparison.Ordinal); step++)
        {
            clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Contains(text, Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_runs_on_its_schedule_twice_reports_its_interval_and_stops_on_cancellation()
    {
        tree.Pair(("rsyslog.conf", "*.* @@logs\n"));
        tree.Write("gitops-status.yaml", $"""
            repo: rsyslog
            url: {server.Url}
            targets:
              - server: rsyslog-demo
                path: actual
                files:
                  - {"{"} src: desired/rsyslog.conf, dest: /rsyslog.conf {"}"}
            """);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var io = new CliIo(log, log, name => name == "GITOPS_SPOOL_DIR" ? tree["spool"] : null, () => new MemoryStream(), tree.Root, Clock: clock);

        var watch = CliApp.RunAsync(["watch", "--retries", "0"], io, stop.Token);
        await AdvanceUntilLoggedAsync(clock, "run 1: 1 report(s): 1 synced, 0 out of sync, 0 unknown; delivered");
        tree.Write("actual/rsyslog.conf", "*.* @@elsewhere\n");
        await AdvanceUntilLoggedAsync(clock, "run 2: 1 report(s): 0 synced, 1 out of sync, 0 unknown; delivered");
        await stop.CancelAsync();
        var code = await watch.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        var lines = Log().TrimEnd().Split('\n');
        Assert.Contains("watching 1 target(s) of rsyslog on \"*/2 * * * *\" (every 120 s)", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length); // the start, one line per run, the stop
        Assert.EndsWith("gitops-status watch: stopped after 2 run(s)", lines[^1], StringComparison.Ordinal);
        using var http = new HttpClient();
        var detail = await http.GetFromJsonAsync<JsonElement>($"{server.Url}/api/targets/rsyslog-demo/rsyslog", TestContext.Current.CancellationToken);
        var target = detail.GetProperty("target");
        Assert.Equal(120, target.GetProperty("interval_seconds").GetInt64());
        Assert.Equal("watch", target.GetProperty("source").GetString());
        Assert.Equal("OUT_OF_SYNC", target.GetProperty("sync_status").GetString());
    }

    [Fact]
    public async Task A_bad_schedule_or_nothing_to_watch_exits_2_with_one_sentence()
    {
        var badSchedule = await CliRunner.RunAsync(["watch", "--schedule", "every two minutes", "--no-send"], cwd: tree.Root);
        var nothing = await CliRunner.RunAsync(["watch", "--no-send"], cwd: tree.Root);

        Assert.Equal(2, badSchedule.ExitCode);
        Assert.StartsWith("gitops-status: --schedule \"every two minutes\" is not a cron expression", badSchedule.Err, StringComparison.Ordinal);
        Assert.Equal(2, nothing.ExitCode);
        Assert.StartsWith("gitops-status: Nothing to watch: no gitops-status.yaml in", nothing.Err, StringComparison.Ordinal);
    }
    [Fact]
    public async Task Watch_checks_at_start_up_and_rereads_its_config_before_each_run_keeping_the_last_good_one()
    {
        tree.Pair(("a.conf", "a\n"), ("b.conf", "b\n"));
        string Config(params string[] servers) => $"repo: rsyslog\nurl: {server.Url}\ntargets:\n" + string.Concat(servers.Select(s =>
            $"  - server: {s}\n    path: actual\n    files:\n      - {{ src: desired/{s[^1]}.conf, dest: /{s[^1]}.conf }}\n"));
        tree.Write("gitops-status.yaml", Config("lab-a"));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var io = new CliIo(log, log, name => name == "GITOPS_SPOOL_DIR" ? tree["spool"] : null, () => new MemoryStream(), tree.Root, Clock: clock);

        var watch = CliApp.RunAsync(["watch", "--retries", "0"], io, stop.Token);
        for (var i = 0; i < 200 && !Log().Contains("run 1:", StringComparison.Ordinal); i++)
            await Task.Delay(50, TestContext.Current.CancellationToken); // the clock does not move: run 1 is the start-up check
        Assert.Contains("run 1: 1 report(s): 1 synced", Log(), StringComparison.Ordinal);
        tree.Write("gitops-status.yaml", Config("lab-a", "lab-b"));
        await AdvanceUntilLoggedAsync(clock, "run 2: 2 report(s): 2 synced");
        tree.Write("gitops-status.yaml", "repo: rsyslog\ntargets: [unclosed\n");
        await AdvanceUntilLoggedAsync(clock, "run 3: 2 report(s): 2 synced");
        await stop.CancelAsync();
        await watch.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        var lines = Log().TrimEnd().Split('\n');
        Assert.Contains("gitops-status watch: gitops-status.yaml changed: now 2 target(s) of rsyslog; added lab-b", lines[2], StringComparison.Ordinal);
        Assert.Contains("gitops-status watch: run 3: gitops-status.yaml cannot be used, checking the last good one instead: gitops-status.yaml, line 3: is not valid YAML", lines[4], StringComparison.Ordinal);
        Assert.EndsWith("gitops-status watch: stopped after 3 run(s)", lines[^1], StringComparison.Ordinal);
        Assert.Equal(7, lines.Length); // start, run 1, config change, run 2, broken config, run 3, stop
        var targets = await server.TargetsAsync();
        Assert.Equal(["SYNCED", "SYNCED"], targets.Values.Select(t => t.GetProperty("sync_status").GetString()));
    }
}
