using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>
/// Issue 22's memory bound on the binary users install: the release tarball's Native AOT <c>gitops-status watch --realtime</c>
/// on a local target of 10,000 config files, with real fanotify (we run as root), delivering to the real status server.
/// A burst of 10,000 writes and its revert end in the right states after a bounded number of reports, and the agent's
/// peak RSS (VmHWM) stays under 100 MB throughout. bench/realtime/run.sh measures the same with more detail.
/// </summary>
[Collection("release")]
public sealed class RealtimeFootprintTests : IDisposable
{
    private const string Server = "footprint-lab";
    private const int Files = 10_000;
    private const long MaxPeakRssKb = 100 * 1024;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    private readonly TempTree tree = new();
    // 10,000 drifted files make a report of a few MB: above the server's default body limit (1 MiB), as in the benchmark.
    private readonly StatusServer server = new(new Dictionary<string, string> { ["GITOPS_MAX_BODY_BYTES"] = "16MB" });
    private readonly HttpClient http = new();
    private readonly StringBuilder output = new();
    private readonly string binary;

    public RealtimeFootprintTests(ReleaseBuild release)
    {
        var bin = tree.Dir("bin");
        Shell.Check($"tar -xzf '{release.Tarball}' -C '{bin}' gitops-status");
        binary = Path.Join(bin, "gitops-status");
    }

    public void Dispose()
    {
        http.Dispose();
        server.Dispose();
        tree.Dispose();
    }

    private string Log()
    {
        lock (output)
            return output.ToString();
    }

    private int Reports() => Log().Split('\n').Count(l => l.Contains($" change: {Server}:", StringComparison.Ordinal));

    /// <summary>Config-like files of 10 to 40 lines (about 1 KiB), as bench/check/make-tree.py writes them: each edit's diff is a few hundred bytes.</summary>
    private static string Content(int i)
    {
        var text = new StringBuilder($"# service {i} managed by git\n[section-{i % 7}]\n");
        for (var j = 0; j < 10 + i % 31; j++)
            text.Append($"key{(i + j) % 10} = value-{(i * 31 + j * 17) % 9973}\n");
        return text.ToString();
    }

    private static string Name(int i) => $"conf/d{i / 100:D2}/f{i % 100:D3}.conf";

    private Process Start()
    {
        for (var i = 0; i < Files; i++)
        {
            tree.Write("desired/" + Name(i), Content(i));
            tree.Write("actual/" + Name(i), Content(i));
        }
        tree.Write("gitops-status.yaml", $"""
            repo: footprint
            url: {server.Url}
            realtime: true
            targets:
              - server: {Server}
                path: actual
                files:
                  - {"{"} src: desired/conf, dest: /conf {"}"}
            """);
        var start = new ProcessStartInfo(binary, ["watch", "--config", tree["gitops-status.yaml"], "--schedule", "0 0 * * *", "--retries", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["GITOPS_SPOOL_DIR"] = tree["spool"] },
        };
        var agent = new Process { StartInfo = start };
        DataReceivedEventHandler append = (_, line) =>
        {
            lock (output)
                output.Append(line.Data).Append('\n');
        };
        agent.OutputDataReceived += append;
        agent.ErrorDataReceived += append;
        agent.Start();
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        return agent;
    }

    private async Task<JsonElement> RowAsync()
    {
        var rows = await http.GetFromJsonAsync<JsonElement[]>($"{server.Url}/status.json", TestContext.Current.CancellationToken);
        return rows!.FirstOrDefault(r => r.GetProperty("server").GetString() == Server);
    }

    /// <summary>Polls <c>/status.json</c> until the target's row satisfies <paramref name="condition"/>; the time since <paramref name="clock"/> started, bounded.</summary>
    private async Task<TimeSpan> UntilAsync(Func<JsonElement, bool> condition, string what, Stopwatch clock)
    {
        while (clock.Elapsed < Bound)
        {
            if (await RowAsync() is { ValueKind: JsonValueKind.Object } row && condition(row))
                return clock.Elapsed;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"/status.json did not show {what} within {Bound}; agent log:\n{Log()}");
    }

    private static long PeakRssKb(Process agent) =>
        long.Parse(File.ReadLines($"/proc/{agent.Id}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_burst_of_10000_writes_and_its_revert_end_right_in_a_bounded_number_of_reports_under_100_MB_of_peak_RSS()
    {
        using var agent = Start();
        try
        {
            await UntilAsync(row => row.GetProperty("sync_status").GetString() == "SYNCED", "the start-up check", Stopwatch.StartNew());
            Assert.Contains("with fanotify", Log(), StringComparison.Ordinal);
            var idlePeak = PeakRssKb(agent);

            var before = Reports();
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Files; i++)
                File.AppendAllText(tree["actual/" + Name(i)], "# burst\n");
            var drifted = await UntilAsync(row => row.GetProperty("sync_status").GetString() == "OUT_OF_SYNC" && row.GetProperty("drift_count").GetInt32() == Files,
                "all 10,000 files OUT_OF_SYNC", clock);
            await Task.Delay(2000, TestContext.Current.CancellationToken); // a report still on its way would arrive within this
            var burstReports = Reports() - before;
            var report = (await http.GetFromJsonAsync<JsonElement>($"{server.Url}/api/targets/{Server}/footprint", TestContext.Current.CancellationToken)).GetProperty("report");
            var names = report.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToHashSet();
            var burstPeak = PeakRssKb(agent);

            before = Reports();
            clock.Restart();
            for (var i = 0; i < Files; i++)
                File.WriteAllText(tree["actual/" + Name(i)], Content(i));
            var synced = await UntilAsync(row => row.GetProperty("sync_status").GetString() == "SYNCED", "the reverted burst SYNCED", clock);
            await Task.Delay(2000, TestContext.Current.CancellationToken);
            var revertReports = Reports() - before;
            var finalRow = await RowAsync();
            var peak = PeakRssKb(agent);
            TestContext.Current.SendDiagnosticMessage($"peak RSS idle {idlePeak / 1024.0:F1} MB, after the burst {burstPeak / 1024.0:F1} MB, after its revert {peak / 1024.0:F1} MB; " +
                $"burst: {burstReports} reports, all OUT_OF_SYNC {drifted.TotalSeconds:F1} s after the first write; revert: {revertReports} reports, SYNCED after {synced.TotalSeconds:F1} s");

            Assert.Equal(Enumerable.Range(0, Files).Select(i => "/" + Name(i)).ToHashSet(), names);
            Assert.InRange(burstReports, 1, 60);
            Assert.InRange(revertReports, 1, 60);
            Assert.Equal("SYNCED", finalRow.GetProperty("sync_status").GetString());
            Assert.Equal(0, finalRow.GetProperty("drift_count").GetInt32());
            Assert.True(peak < MaxPeakRssKb, $"peak RSS {peak / 1024.0:F1} MB, bound {MaxPeakRssKb / 1024} MB (idle {idlePeak / 1024.0:F1} MB, after the burst {burstPeak / 1024.0:F1} MB)");
        }
        finally
        {
            if (!agent.HasExited)
            {
                Processes.Run("kill", "-TERM", agent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (!agent.WaitForExit(30_000))
                    agent.Kill();
            }
        }
        Assert.Equal(0, agent.ExitCode);
    }
}
