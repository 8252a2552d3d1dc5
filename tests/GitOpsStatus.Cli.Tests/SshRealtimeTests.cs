using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests;

/// <summary>
/// <c>gitops-status watch --realtime</c> on an SSH target: a real sshd on loopback, real inotifywait on the "host"
/// (installed by scripts/install-test-deps.sh), the real status server. Beside it a local target, whose events must not
/// be taken for the host's.
/// </summary>
public sealed class SshRealtimeTests : IClassFixture<SshServer>, IDisposable
{
    private const string Repo = "rt-ssh";
    private readonly TempTree tree = new();
    private readonly StatusServer server = new();
    private readonly HttpClient http = new();
    private readonly CapturedLog log = new();
    private readonly SshServer sshd;

    public SshRealtimeTests(SshServer sshd) => this.sshd = sshd;

    public void Dispose()
    {
        http.Dispose();
        server.Dispose();
        tree.Dispose();
        log.Dispose();
    }

    private string Log() => log.Text();

    /// <summary>desired/conf with 20 files; the same in host/conf (the SSH target's root is host) and local/conf.</summary>
    private void Files(string? key = null)
    {
        for (var f = 0; f < 20; f++)
        {
            foreach (var side in new[] { "desired", "host", "local" })
                tree.Write($"{side}/conf/d0/f{f:D2}.conf", $"key.{f} = value\n");
        }
        tree.Write("gitops-status.yaml", $$"""
            repo: {{Repo}}
            url: {{server.Url}}
            realtime: true
            targets:
              - server: host
                ssh: {{sshd.User}}@127.0.0.1:{{sshd.Port}}
                root: {{tree["host"]}}
                key: {{key ?? sshd.UserKey}}
                known_hosts: {{sshd.KnownHosts}}
                files:
                  - { src: desired/conf, dest: /conf }
              - server: local
                path: local
                files:
                  - { src: desired/conf, dest: /conf }
            """);
    }

    private Task<(Task<int> Watch, CancellationTokenSource Stop)> StartAsync() =>
        InProcessWatch.StartAsync(tree, log, "run 1: 2 report(s)");

    private static Task StopAsync((Task<int> Watch, CancellationTokenSource Stop) agent) => InProcessWatch.StopAsync(agent);

    private async Task<JsonElement> TargetAsync(string name) =>
        (await http.GetFromJsonAsync<JsonElement>($"{server.Url}/api/targets/{name}/{Repo}", TestContext.Current.CancellationToken)).GetProperty("target");

    /// <summary>Polls the target until <paramref name="condition"/> holds; the time it took. Bounded at 15 s.</summary>
    private async Task<TimeSpan> UntilAsync(string name, Func<JsonElement, bool> condition, Stopwatch since)
    {
        while (since.Elapsed < TimeSpan.FromSeconds(15))
        {
            if (condition(await TargetAsync(name)))
                return since.Elapsed;
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException($"{name} did not change within 15 s: {await TargetAsync(name)}; agent log:\n{Log()}");
    }

    private static bool Drifted(JsonElement target, string file) =>
        target.GetProperty("sync_status").GetString() == "OUT_OF_SYNC" && target.GetProperty("files").GetString()!.Split(", ").Contains(file);

    private static bool Synced(JsonElement target) => target.GetProperty("sync_status").GetString() == "SYNCED";

    private static string? Detection(JsonElement target) =>
        target.TryGetProperty("detection", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string DetectionError(JsonElement target) =>
        target.TryGetProperty("detection_error", out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    /// <summary>The PIDs of inotifywait processes watching this test's tree (started through our sshd by our agent).</summary>
    private int[] Watchers() =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(d => d!.All(char.IsAsciiDigit)).Select(d =>
        {
            try
            {
                var cmdline = File.ReadAllText($"/proc/{d}/cmdline").Replace('\0', ' ');
                return cmdline.StartsWith("inotifywait ", StringComparison.Ordinal) && cmdline.Contains(tree.Root, StringComparison.Ordinal) ? int.Parse(d!) : 0;
            }
            catch (IOException)
            {
                return 0; // gone meanwhile
            }
        }).Where(pid => pid > 0).ToArray();

    [Fact]
    public async Task An_edit_on_the_host_is_reported_at_once_as_realtime_a_revert_SYNCED_and_stopping_leaves_no_watcher_on_the_host()
    {
        Files();
        var agent = await StartAsync();
        Assert.Contains("with inotifywait over SSH", Log(), StringComparison.Ordinal);
        Assert.Equal("realtime", Detection(await TargetAsync("host")));
        Assert.NotEmpty(Watchers());

        var edits = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var name = $"/conf/d0/f{i * 3:D2}.conf";
            var path = tree["host" + name];
            var original = File.ReadAllText(path);
            var clock = Stopwatch.StartNew();
            File.WriteAllText(path, $"edited {i}\n");
            edits.Add(await UntilAsync("host", t => Drifted(t, name), clock));
            clock.Restart();
            File.WriteAllText(path, original);
            edits.Add(await UntilAsync("host", Synced, clock));
        }
        // The same relative path changed here is the local target's change, not the host's.
        File.WriteAllText(tree["local/conf/d0/f01.conf"], "local edit\n");
        await UntilAsync("local", t => Drifted(t, "/conf/d0/f01.conf"), Stopwatch.StartNew());
        Assert.True(Synced(await TargetAsync("host")));
        await StopAsync(agent);

        TestContext.Current.SendDiagnosticMessage($"SSH realtime: change → report, median {edits.Order().ElementAt(edits.Count / 2).TotalMilliseconds:F0} ms, worst {edits.Max().TotalMilliseconds:F0} ms");
        Assert.All(edits, e => Assert.True(e < TimeSpan.FromSeconds(5), $"a change took {e} to be reported"));
        Assert.Equal("realtime", Detection(await TargetAsync("host")));
        // Closing the session ends the watchers on the host.
        for (var i = 0; i < 100 && Watchers().Length > 0; i++)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Empty(Watchers());
    }

    [Fact]
    public async Task A_host_without_inotifywait_is_degraded_with_the_reason_and_still_checked_in_full()
    {
        // A login whose PATH has every program of /usr/bin but inotifywait.
        var bin = tree.Dir("no-inotify-bin");
        Faults.Sh("for f in /usr/bin/*; do [ \"${f##*/}\" = inotifywait ] || ln -s \"$f\" \"$1/\"; done", bin);
        var key = tree["no-inotify_ed25519"];
        Processes.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        File.AppendAllText(Path.Join(sshd.Dir, "authorized_keys"), $"command=\"PATH={bin}; export PATH; exec sh -s\" {File.ReadAllText(key + ".pub").Trim()}\n");
        Files(key);
        File.WriteAllText(tree["host/conf/d0/f05.conf"], "drifted before the agent started\n");

        var agent = await StartAsync();
        var target = await TargetAsync("host");
        await StopAsync(agent);

        Assert.True(Drifted(target, "/conf/d0/f05.conf"), target.ToString());
        Assert.Equal("degraded", Detection(target));
        Assert.StartsWith("inotifywait is not installed on ", DetectionError(target), StringComparison.Ordinal);
        Assert.Equal("realtime", Detection(await TargetAsync("local")));
        Assert.Contains("realtime: degraded: host: inotifywait is not installed", Log(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_watch_that_ends_on_the_host_is_degraded_with_a_full_check_never_a_false_SYNCED()
    {
        Files();
        var agent = await StartAsync();
        Assert.Equal("realtime", Detection(await TargetAsync("host")));

        // The watchers end on the host (as a reboot or an OOM kill would end them) right after a change.
        File.WriteAllText(tree["host/conf/d0/f07.conf"], "edited as the watch ends\n");
        foreach (var pid in Watchers())
            Process.GetProcessById(pid).Kill();
        await UntilAsync("host", t => Detection(t) == "degraded", Stopwatch.StartNew());
        var target = await TargetAsync("host");
        await StopAsync(agent);

        Assert.True(Drifted(target, "/conf/d0/f07.conf"), target.ToString());
        Assert.Contains("ended", DetectionError(target), StringComparison.Ordinal);
        Assert.Equal("realtime", Detection(await TargetAsync("local")));
    }
}
