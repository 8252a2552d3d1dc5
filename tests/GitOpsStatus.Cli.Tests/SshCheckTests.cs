using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

/// <summary>Checks over a real OpenSSH server on loopback.</summary>
public sealed class SshCheckTests(SshServer sshd) : IClassFixture<SshServer>, IDisposable
{
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    private Task<CliResult> SshCheckAsync(string desired, string remoteRoot, string? knownHosts = null, IReadOnlyDictionary<string, string>? env = null, params string[] more) =>
        CliRunner.RunAsync(["check", "--repo", "r", "--server", "remote", "--desired", desired, "--actual", sshd.Url(remoteRoot),
            "--ssh-key", sshd.UserKey, "--known-hosts", knownHosts ?? sshd.KnownHosts, "--format", "json", "--no-send", .. more], env);

    [Fact]
    public async Task Every_change_kind_is_found_over_ssh_including_odd_file_names()
    {
        var (desired, actual) = tree.Pair(("same.conf", "s\n"), ("mod.conf", "a\nb\n"), ("gone.conf", "g\n"),
            ("with space.conf", "w\n"), ("new\nline.conf", "n\n"), ("it's.conf", "q\n"), ("-n.conf", "d\n"));
        tree.Write("actual/mod.conf", "a\nB\n");
        File.Delete(tree["actual/gone.conf"]);
        tree.Write("actual/with space.conf", "changed\n");
        tree.Write("actual/new\nline.conf", "changed\n");
        tree.Write("actual/it's.conf", "changed\n");
        tree.Write("actual/-n.conf", "changed\n"); // never taken for an option of find or sha256sum
        tree.Write("actual/sub/stray file.conf", "x\n");

        var result = await SshCheckAsync(desired, actual, more: "--extra");

        Assert.Equal(0, result.ExitCode);
        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(
            [("-n.conf", ChangeKind.Modified), ("gone.conf", ChangeKind.Missing), ("it's.conf", ChangeKind.Modified), ("mod.conf", ChangeKind.Modified),
             ("new\\nline.conf", ChangeKind.Modified), ("sub/stray file.conf", ChangeKind.Extra), ("with space.conf", ChangeKind.Modified)],
            report.Files!.Select(f => (f.Name!, f.Change!)));
        Assert.Contains("-b\n+B\n", report.File("mod.conf").Diff, StringComparison.Ordinal);
        Assert.Contains("+changed", report.File("new\\nline.conf").Diff, StringComparison.Ordinal);
        Assert.Empty(ReportValidator.Validate(report, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Mode_owner_and_sensitive_mappings_work_over_ssh()
    {
        var (_, actual) = tree.Pair(("etc/app.conf", "a\n"), ("etc/ssl/site.key", "KEY-ONE\n"), ("etc/owned.conf", "o\n"));
        tree.Write("actual/etc/ssl/site.key", "KEY-TWO\n");
        File.SetUnixFileMode(tree["actual/etc/app.conf"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        tree.Write("gitops-status.yaml", $"""
            repo: r
            targets:
              - server: remote
                ssh: {sshd.User}@127.0.0.1:{sshd.Port}
                root: {actual}
                key: {sshd.UserKey}
                known_hosts: {sshd.KnownHosts}
                files:
                  - {"{"} src: desired/etc/app.conf, dest: /etc/app.conf, mode: "0644" {"}"}
                  - {"{"} src: desired/etc/owned.conf, dest: /etc/owned.conf, owner: "nobody" {"}"}
                  - {"{"} src: desired/etc/ssl, dest: /etc/ssl {"}"}
            """);

        var result = await CliRunner.RunAsync(["check", "--format", "json", "--no-send"], cwd: tree.Root);

        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal([("/etc/app.conf", ChangeKind.Mode), ("/etc/owned.conf", ChangeKind.Owner), ("/etc/ssl/site.key", ChangeKind.Modified)],
            report.Files!.Select(f => (f.Name!, f.Change!)));
        Assert.Null(report.File("/etc/ssl/site.key").Diff);
        Assert.DoesNotContain("KEY-", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_hashes_and_diffs_come_through_a_single_ssh_invocation()
    {
        var files = Enumerable.Range(0, 300).Select(i => ($"conf/{i}.conf", $"value {i}\n")).ToArray();
        var (desired, actual) = tree.Pair(files);
        for (var i = 0; i < 300; i += 50)
            tree.Write($"actual/conf/{i}.conf", "drifted\n");
        var log = tree["ssh-calls.log"];
        var wrapper = tree.Write("ssh-wrapper.sh", $"#!/bin/sh\necho call >> '{log}'\nexec ssh \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);

        var result = await SshCheckAsync(desired, actual, env: new Dictionary<string, string> { ["GITOPS_SSH"] = wrapper });

        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(6, report.DriftCount);
        Assert.All(report.Files!, f => Assert.Contains("+drifted", f.Diff, StringComparison.Ordinal));
        Assert.Single(File.ReadAllLines(log));
    }

    [Fact]
    public async Task A_diff_over_ssh_is_cut_at_the_limit()
    {
        var (desired, actual) = tree.Pair(("big.conf", string.Concat(Enumerable.Range(0, 3000).Select(i => $"line {i}\n"))));
        tree.Write("actual/big.conf", string.Concat(Enumerable.Range(0, 3000).Select(i => $"other {i}\n")));

        var result = await SshCheckAsync(desired, actual, more: ["--max-diff-bytes", "2048"]);

        var diff = Assert.Single(Reports.Parse(result.Out)).File("big.conf").Diff!;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(diff) <= 2048);
        Assert.Contains("\n[diff truncated: ", diff, StringComparison.Ordinal);
        Assert.StartsWith("--- big.conf\n+++ remote:big.conf\n@@ ", diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_host_is_UNKNOWN_with_exit_1_and_the_other_targets_are_still_checked()
    {
        var (_, actual) = tree.Pair(("a.conf", "a\n"));
        var closedPort = Processes.FreePort();
        tree.Write("gitops-status.yaml", $"""
            repo: r
            targets:
              - server: down
                ssh: root@127.0.0.1:{closedPort}
                key: {sshd.UserKey}
                known_hosts: {sshd.KnownHosts}
                files: [{"{"} src: desired/a.conf, dest: /a.conf {"}"}]
              - server: up
                ssh: {sshd.User}@127.0.0.1:{sshd.Port}
                root: {actual}
                key: {sshd.UserKey}
                known_hosts: {sshd.KnownHosts}
                files: [{"{"} src: desired/a.conf, dest: /a.conf {"}"}]
              - server: local
                path: {actual}
                files: [{"{"} src: desired/a.conf, dest: /a.conf {"}"}]
            """);

        var result = await CliRunner.RunAsync(["check", "--format", "json", "--no-send"], cwd: tree.Root);

        Assert.Equal(1, result.ExitCode);
        var reports = Reports.Parse(result.Out).ToDictionary(r => r.Server!);
        Assert.Equal(SyncStatus.Unknown, reports["down"].SyncStatus);
        Assert.Contains("Connection refused", reports["down"].Error, StringComparison.Ordinal);
        Assert.Empty(reports["down"].Files!);
        Assert.Equal(SyncStatus.Synced, reports["up"].SyncStatus);
        Assert.Equal(SyncStatus.Synced, reports["local"].SyncStatus);
    }

    [Fact]
    public async Task A_changed_host_key_is_refused_even_with_accept_new_host_keys()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        Processes.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tree["other_host_key"]);
        var knownHosts = tree["known_hosts"];
        sshd.WriteKnownHosts(knownHosts, File.ReadAllText(tree["other_host_key.pub"]));

        var strict = await SshCheckAsync(desired, actual, knownHosts);
        var acceptNew = await SshCheckAsync(desired, actual, knownHosts, more: "--accept-new-host-keys");

        foreach (var result in new[] { strict, acceptNew })
        {
            Assert.Equal(1, result.ExitCode);
            var report = Assert.Single(Reports.Parse(result.Out));
            Assert.Equal(SyncStatus.Unknown, report.SyncStatus);
            Assert.Contains("host key", report.Error, StringComparison.Ordinal);
            Assert.Contains("changed", report.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unknown_host_is_refused_unless_new_host_keys_are_accepted()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        var knownHosts = tree.Write("known_hosts", "");

        var refused = await SshCheckAsync(desired, actual, knownHosts);
        var accepted = await SshCheckAsync(desired, actual, knownHosts, more: "--accept-new-host-keys");
        var afterwards = await SshCheckAsync(desired, actual, knownHosts);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("not in known_hosts", Assert.Single(Reports.Parse(refused.Out)).Error, StringComparison.Ordinal);
        Assert.Equal(0, accepted.ExitCode);
        Assert.Equal(SyncStatus.Synced, Assert.Single(Reports.Parse(accepted.Out)).SyncStatus);
        Assert.Equal(0, afterwards.ExitCode);
        Assert.Contains(sshd.HostPublicKey.Split(' ')[1], File.ReadAllText(knownHosts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hashed_known_hosts_entries_are_honoured()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        var knownHosts = tree["hashed_known_hosts"];
        sshd.WriteKnownHosts(knownHosts, sshd.HostPublicKey);
        Processes.Run("ssh-keygen", "-q", "-H", "-f", knownHosts);
        Assert.StartsWith("|1|", File.ReadAllText(knownHosts), StringComparison.Ordinal);

        var result = await SshCheckAsync(desired, actual, knownHosts);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(SyncStatus.Synced, Assert.Single(Reports.Parse(result.Out)).SyncStatus);
    }

    [Fact]
    public async Task A_missing_remote_root_is_UNKNOWN_not_a_list_of_missing_files()
    {
        var (desired, _) = tree.Pair(("a.conf", "a\n"));

        var result = await SshCheckAsync(desired, tree["nothing-here"]);

        Assert.Equal(1, result.ExitCode);
        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(SyncStatus.Unknown, report.SyncStatus);
        Assert.Contains("does not exist", report.Error, StringComparison.Ordinal);
        Assert.Empty(report.Files!);
    }
}
