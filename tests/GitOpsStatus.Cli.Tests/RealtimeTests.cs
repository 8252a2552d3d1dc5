using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

/// <summary>
/// <c>gitops-status watch --realtime</c> on real files with real fanotify (we run as root) and real inotify (in a user
/// namespace, where fanotify's filesystem mark is refused), delivering to the real status server.
/// </summary>
public sealed class RealtimeTests : IDisposable
{
    private const string Server = "realtime-lab";
    private readonly TempTree tree = new();
    private readonly StatusServer server = new();
    private readonly CapturedLog log = new();
    private readonly HttpClient http = new();

    public void Dispose()
    {
        http.Dispose();
        server.Dispose();
        tree.Dispose();
        log.Dispose();
    }

    private string Log() => log.Text();

    /// <summary>desired/conf and actual/conf with <paramref name="dirs"/> × <paramref name="perDir"/> equal files.</summary>
    private void Files(int dirs, int perDir, string? url = null)
    {
        for (var d = 0; d < dirs; d++)
        {
            for (var f = 0; f < perDir; f++)
            {
                var content = $"key.{d}.{f} = value\n";
                tree.Write($"desired/conf/d{d:D2}/f{f:D3}.conf", content);
                tree.Write($"actual/conf/d{d:D2}/f{f:D3}.conf", content);
            }
        }
        tree.Write("gitops-status.yaml", $"""
            repo: realtime
            url: {url ?? server.Url}
            realtime: true
            targets:
              - server: {Server}
                path: actual
                files:
                  - {"{"} src: desired/conf, dest: /conf {"}"}
            """);
    }

    private Task<(Task<int> Watch, CancellationTokenSource Stop)> StartAsync(params string[] more) =>
        InProcessWatch.StartAsync(tree, log, "run 1: 1 report(s)", more);

    private static Task StopAsync((Task<int> Watch, CancellationTokenSource Stop) agent) => InProcessWatch.StopAsync(agent);

    /// <summary>Polls <c>/status.json</c> until the target's row satisfies <paramref name="condition"/>; the time it took. Bounded at 10 s.</summary>
    private async Task<TimeSpan> UntilAsync(Func<JsonElement, bool> condition, Stopwatch since)
    {
        while (since.Elapsed < TimeSpan.FromSeconds(10))
        {
            var rows = await http.GetFromJsonAsync<JsonElement[]>($"{server.Url}/status.json", TestContext.Current.CancellationToken);
            if (rows!.FirstOrDefault(r => r.GetProperty("server").GetString() == Server) is { ValueKind: JsonValueKind.Object } row && condition(row))
                return since.Elapsed;
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"/status.json did not show the change within 10 s; agent log:\n{Log()}");
    }

    private async Task<JsonElement> TargetAsync() =>
        (await http.GetFromJsonAsync<JsonElement>($"{server.Url}/api/targets/{Server}/realtime", TestContext.Current.CancellationToken)).GetProperty("target");

    private static bool Drifted(JsonElement row, string file) =>
        row.GetProperty("sync_status").GetString() == "OUT_OF_SYNC" && row.GetProperty("files").GetString()!.Contains(file, StringComparison.Ordinal);

    private static bool Synced(JsonElement row) => row.GetProperty("sync_status").GetString() == "SYNCED";

    [Fact]
    public async Task An_edit_on_a_realtime_target_of_10000_files_is_OUT_OF_SYNC_in_status_json_within_the_bounds_and_a_revert_SYNCED()
    {
        Files(100, 100);
        var agent = await StartAsync();
        Assert.Contains("realtime: watching", Log(), StringComparison.Ordinal);
        Assert.Contains("with fanotify", Log(), StringComparison.Ordinal);

        var edits = new List<TimeSpan>();
        var reverts = new List<TimeSpan>();
        for (var i = 0; i < 20; i++)
        {
            var name = $"conf/d{i * 5 % 100:D2}/f{i * 7 % 100:D3}.conf";
            var path = tree["actual/" + name];
            var original = File.ReadAllText(path);
            var clock = Stopwatch.StartNew();
            File.WriteAllText(path, $"edited {i}\n");
            edits.Add(await UntilAsync(row => Drifted(row, name), clock));
            clock.Restart();
            File.WriteAllText(path, original);
            reverts.Add(await UntilAsync(Synced, clock));
        }
        await StopAsync(agent);

        TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);
        TestContext.Current.SendDiagnosticMessage($"edit→OUT_OF_SYNC median {Median(edits).TotalMilliseconds:F0} ms, worst {edits.Max().TotalMilliseconds:F0} ms; " +
            $"revert→SYNCED median {Median(reverts).TotalMilliseconds:F0} ms, worst {reverts.Max().TotalMilliseconds:F0} ms");
        Assert.True(Median(edits) < TimeSpan.FromMilliseconds(500), $"median edit latency {Median(edits)}");
        Assert.True(edits.Max() < TimeSpan.FromMilliseconds(1500), $"worst edit latency {edits.Max()}");
        Assert.True(Median(reverts) < TimeSpan.FromMilliseconds(500), $"median revert latency {Median(reverts)}");
        Assert.True(reverts.Max() < TimeSpan.FromMilliseconds(1500), $"worst revert latency {reverts.Max()}");
        Assert.Contains("detection realtime", Log(), StringComparison.Ordinal);
    }

    /// <summary>The files of the target's latest report at the server (name, actual hash, diff, binary), and the same from a full <c>check</c> now.</summary>
    private async Task<(List<string> Realtime, List<string> Full)> DiffsAsync()
    {
        static List<string> Keys(StatusReport report) => (report.Files ?? []).Select(f => $"{f.Name} {f.ActualSha256} {f.Binary}\n{f.Diff}").ToList();
        var stored = (await http.GetFromJsonAsync<JsonElement>($"{server.Url}/api/targets/{Server}/realtime", TestContext.Current.CancellationToken)).GetProperty("report");
        var check = await CliRunner.RunAsync(["check", "--config", tree["gitops-status.yaml"], "--format", "json", "--no-send"], cwd: tree.Root);
        return (Keys(stored.Deserialize(ReportJson.Default.StatusReport)!), Keys(Assert.Single(Reports.Parse(check.Out))));
    }

    /// <summary>Waits (bounded) until the latest realtime report's diffs are a full check's, and returns them.</summary>
    private async Task<List<string>> SameDiffsAsync()
    {
        var (realtime, full) = await DiffsAsync();
        for (var i = 0; i < 100 && !realtime.SequenceEqual(full); i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            (realtime, full) = await DiffsAsync();
        }
        Assert.Equal(full, realtime);
        return realtime;
    }

    [Fact]
    public async Task A_recheck_reports_the_diffs_a_full_check_makes_past_the_diff_budget_and_as_a_revert_frees_it()
    {
        // 30 files whose edits diff to about 50 KB each (the report's 768 KiB diff budget ends near the 16th), and a binary one past it.
        Files(0, 0);
        var lines = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        for (var f = 0; f < 30; f++)
        {
            tree.Write($"desired/conf/f{f:D2}.conf", lines);
            tree.Write($"actual/conf/f{f:D2}.conf", lines);
        }
        tree.Write("desired/conf/f25.bin", "binary\0desired\n");
        tree.Write("actual/conf/f25.bin", "binary\0desired\n");
        var agent = await StartAsync();

        for (var f = 0; f < 30; f++)
            File.WriteAllText(tree[$"actual/conf/f{f:D2}.conf"], lines.Replace("line", $"edit {f}", StringComparison.Ordinal));
        File.WriteAllText(tree["actual/conf/f25.bin"], "binary\0actual\n");
        await UntilAsync(row => row.GetProperty("drift_count").GetInt32() == 31, Stopwatch.StartNew());
        var edited = await SameDiffsAsync();

        // Reverting the first twenty frees the budget: files whose diffs were omitted now get them.
        for (var f = 0; f < 20; f++)
            File.WriteAllText(tree[$"actual/conf/f{f:D2}.conf"], lines);
        await UntilAsync(row => row.GetProperty("drift_count").GetInt32() == 11, Stopwatch.StartNew());
        var reverted = await SameDiffsAsync();

        // A file edited again is diffed again.
        File.WriteAllText(tree["actual/conf/f29.conf"], lines.Replace("line 7\n", "line seven\n", StringComparison.Ordinal));
        await UntilAsync(row => row.GetProperty("drift_count").GetInt32() == 11, Stopwatch.StartNew());
        var again = await SameDiffsAsync();
        await StopAsync(agent);

        const string omitted = "[diff omitted: the report's diff budget is used up by earlier files]";
        Assert.Contains(edited, f => f.StartsWith("/conf/f25.bin ", StringComparison.Ordinal) && f.Contains(" True\n", StringComparison.Ordinal));
        Assert.Contains(edited, f => f.StartsWith("/conf/f29.conf ", StringComparison.Ordinal) && f.Contains(omitted, StringComparison.Ordinal));
        Assert.Contains(reverted, f => f.StartsWith("/conf/f29.conf ", StringComparison.Ordinal) && f.Contains("+edit 29 0", StringComparison.Ordinal));
        Assert.Contains(again, f => f.StartsWith("/conf/f29.conf ", StringComparison.Ordinal) && f.Contains("+line seven", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_editor_style_write_to_a_temp_file_then_rename_is_one_change_and_a_burst_to_one_file_one_report()
    {
        Files(2, 5);
        var agent = await StartAsync();
        var target = tree["actual/conf/d01/f003.conf"];
        int Changes() => Log().Split('\n').Count(l => l.Contains($"change: {Server}:", StringComparison.Ordinal));

        File.WriteAllText(target + ".swp", "edited in an editor\n");
        File.Move(target + ".swp", target, overwrite: true);
        await UntilAsync(row => Drifted(row, "conf/d01/f003.conf"), Stopwatch.StartNew());
        await Task.Delay(1000, TestContext.Current.CancellationToken); // any second report would come within this
        var afterRename = Changes();
        using (var stream = new FileStream(target, FileMode.Append))
        {
            for (var i = 0; i < 100; i++)
            {
                stream.Write("more\n"u8);
                stream.Flush();
            }
        }
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var afterBurst = Changes();
        await StopAsync(agent);

        Assert.Equal(1, afterRename);
        Assert.Equal(2, afterBurst);
    }

    [Fact]
    public async Task A_write_by_another_user_names_that_user_and_process_in_changed_by()
    {
        // Nothing listens at the URL: every report is spooled as the JSON that would have been sent, which the test reads.
        Files(2, 5, url: $"http://127.0.0.1:{Processes.FreePort()}");
        var file = tree["actual/conf/d00/f002.conf"];
        // gitops-check (scripts/install-test-deps.sh) needs to reach and write the file.
        for (var dir = Path.GetDirectoryName(file); dir is not null && dir.StartsWith(tree.Root, StringComparison.Ordinal); dir = Path.GetDirectoryName(dir))
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ED); // 0755
        File.SetUnixFileMode(file, (UnixFileMode)0x1B6); // 0666
        var agent = await StartAsync();

        // The writer stays alive a moment, like an editor does after saving: /proc is read while it exists.
        using var writer = Process.Start("runuser", ["-u", "gitops-check", "--", "sh", "-c", $"echo 'edited by gitops-check' >> '{file}'; sleep 3"]);
        var written = DateTimeOffset.Now;
        DriftedFile? drifted = null;
        for (var i = 0; i < 200 && drifted is null; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            drifted = Directory.Exists(tree["spool"])
                ? Directory.GetFiles(tree["spool"], "*.json").Select(f => JsonSerializer.Deserialize(File.ReadAllText(f), ReportJson.Default.StatusReport)!)
                    .SelectMany(r => r.Files ?? []).FirstOrDefault(f => f.Name == "/conf/d00/f002.conf")
                : null;
        }
        await writer.WaitForExitAsync(TestContext.Current.CancellationToken);
        await StopAsync(agent);

        var by = drifted?.ChangedBy ?? throw new InvalidOperationException($"no spooled report names the file with changed_by; agent log:\n{Log()}");
        var uid = long.Parse(Processes.Run("id", "-u", "gitops-check").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(("gitops-check", uid, "sh"), (by.User, by.Uid, by.Process));
        Assert.Equal("runuser", by.Parents![0]); // runuser stays as sh's parent (its PAM session)
        Assert.NotEqual(writer.Id, (int)by.Pid!);
        Assert.Equal(Processes.Run("readlink", "-f", "/bin/sh").Trim(), by.Exe);
        Assert.InRange(by.At!.Value, written.AddSeconds(-1), DateTimeOffset.Now);
        Assert.Contains("conf/d00/f002.conf by gitops-check (sh, pid ", Log(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The agent as its own process (`dotnet gitops-status.dll`, the CLI's build output), so it can be stopped and continued
    /// with signals; userNamespace runs it in a new user namespace (fanotify refused there: inotify) after
    /// setUp, a shell command run inside it.
    /// </summary>
    private sealed class AgentProcess : IDisposable
    {
        private readonly Process process;
        private readonly List<string> lines = [];

        public AgentProcess(string cwd, string spool, bool userNamespace, string setUp = "true")
        {
            var cli = Path.Join(AppContext.BaseDirectory.Replace("tests/GitOpsStatus.Cli.Tests", "src/GitOpsStatus.Cli", StringComparison.Ordinal), "gitops-status.dll");
            var script = setUp + " && exec dotnet \"$0\" watch --schedule '0 0 * * *' --retries 0 --realtime";
            var start = userNamespace
                ? new ProcessStartInfo("unshare", ["--user", "--map-root-user", "sh", "-c", script, cli])
                : new ProcessStartInfo("sh", ["-c", script, cli]);
            start.WorkingDirectory = cwd;
            start.RedirectStandardOutput = start.RedirectStandardError = true;
            start.UseShellExecute = false;
            start.Environment["GITOPS_SPOOL_DIR"] = spool;
            process = Process.Start(start)!;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Pid => process.Id;

        private void Add(string? line)
        {
            lock (lines)
            {
                if (line is not null)
                    lines.Add(line);
            }
        }

        public string Text()
        {
            lock (lines)
                return string.Join('\n', lines);
        }

        public async Task WaitForAsync(string text)
        {
            for (var i = 0; i < 1200 && !Text().Contains(text, StringComparison.Ordinal); i++)
                await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Contains(text, Text(), StringComparison.Ordinal);
        }

        public void Signal(string name) => Processes.Run("kill", "-" + name, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

        public void Dispose()
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(30_000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
    }

    [Fact]
    public async Task A_watch_limit_hit_is_degraded_with_the_reason_and_a_full_check_never_a_false_synced()
    {
        Files(12, 3);
        tree.Write("actual/conf/d07/f001.conf", "drifted before the start\n");
        // A user namespace with its own inotify watch limit (/proc/sys/user is per namespace): the machine's limit is untouched.
        // There fanotify's filesystem mark is refused, so the agent falls back to inotify and hits the limit of 4 watches.
        using var agent = new AgentProcess(tree.Root, tree["spool"], userNamespace: true, "echo 4 > /proc/sys/user/max_inotify_watches");

        await agent.WaitForAsync("run 1:");
        var row = (await server.TargetsAsync())[Server];
        // Reverting the drifted file now is not seen (its directory is not watched): the status stays OUT_OF_SYNC, not a false SYNCED.
        tree.Write("actual/conf/d07/f001.conf", "key.7.1 = value\n");
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var after = (await server.TargetsAsync())[Server];

        Assert.Contains("with inotify (fanotify not used: fanotify_mark", agent.Text(), StringComparison.Ordinal);
        Assert.Contains("realtime degraded: inotify watch limit 4 reached: raise fs.inotify.max_user_watches", agent.Text(), StringComparison.Ordinal);
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.Equal("/conf/d07/f001.conf", row.GetProperty("files").GetString());
        Assert.NotEqual("SYNCED", after.GetProperty("sync_status").GetString());
    }

    [Theory]
    [InlineData(false, "fanotify event queue overflowed")]
    [InlineData(true, "inotify event queue overflowed")]
    public async Task A_queue_overflow_is_degraded_with_a_full_check_that_finds_the_change_the_lost_events_carried(bool inotify, string reason)
    {
        Files(3, 4);
        using var agent = new AgentProcess(tree.Root, tree["spool"], userNamespace: inotify);
        await agent.WaitForAsync("run 1: 1 report(s): 1 synced");

        // Stopped, the agent reads no events: an edit and 20,000 new files overflow the kernel's queue (16,384 events).
        agent.Signal("STOP");
        try
        {
            tree.Write("actual/conf/d02/f001.conf", "edited while the agent was stopped\n");
            for (var i = 0; i < 20_000; i++)
                File.WriteAllBytes(tree[$"actual/conf/d00/junk-{i}"], []);
        }
        finally
        {
            agent.Signal("CONT");
        }
        await agent.WaitForAsync("events lost, full check: realtime-lab: OUT_OF_SYNC (/conf/d02/f001.conf)");
        var row = (await server.TargetsAsync())[Server];

        Assert.Contains($"realtime: degraded: {reason}", agent.Text(), StringComparison.Ordinal);
        Assert.Contains("detection degraded", agent.Text(), StringComparison.Ordinal);
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.Equal("/conf/d02/f001.conf", row.GetProperty("files").GetString());
    }
}
