using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

public sealed class LocalCheckTests : IDisposable
{
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    [Fact]
    public async Task A_server_that_matches_the_repo_is_SYNCED_with_exit_code_0()
    {
        var (desired, actual) = tree.Pair(("rsyslog.conf", "*.* @@logs\n"), ("rsyslog.d/30-lab.conf", "lab\n"));

        var (code, report, _) = await Reports.OneOffAsync(desired, actual);

        Assert.Equal(0, code);
        Assert.Equal(SyncStatus.Synced, report.SyncStatus);
        Assert.Equal(0, report.DriftCount);
        Assert.Empty(report.Files!);
        Assert.Empty(ReportValidator.Validate(report, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task A_modified_file_carries_both_hashes_and_a_unified_diff()
    {
        var (desired, actual) = tree.Pair(("rsyslog.conf", "a\nb\nc\n"));
        tree.Write("actual/rsyslog.conf", "a\nB\nc\n");

        var (_, report, _) = await Reports.OneOffAsync(desired, actual);

        var file = report.File("rsyslog.conf");
        Assert.Equal(ChangeKind.Modified, file.Change);
        Assert.Equal(Core.Drift.FileHasher.Hash("a\nb\nc\n"u8), file.ExpectedSha256);
        Assert.Equal(Core.Drift.FileHasher.Hash("a\nB\nc\n"u8), file.ActualSha256);
        Assert.Contains("-b\n+B\n", file.Diff, StringComparison.Ordinal);
        Assert.StartsWith("--- rsyslog.conf\n+++ lab-1:rsyslog.conf\n", file.Diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_absent_from_the_server_is_missing()
    {
        var (desired, actual) = tree.Pair(("rsyslog.conf", "x\n"), ("rsyslog.d/30-lab.conf", "lab\n"));
        File.Delete(tree["actual/rsyslog.d/30-lab.conf"]);

        var (_, report, _) = await Reports.OneOffAsync(desired, actual);

        Assert.Equal(SyncStatus.OutOfSync, report.SyncStatus);
        var file = Assert.Single(report.Files!);
        Assert.Equal(("rsyslog.d/30-lab.conf", ChangeKind.Missing), (file.Name, file.Change));
        Assert.Null(file.ActualSha256);
    }

    [Fact]
    public async Task Files_only_on_the_server_are_extra_only_when_asked()
    {
        var (desired, actual) = tree.Pair(("rsyslog.conf", "x\n"));
        tree.Write("actual/rsyslog.d/99-manual.conf", "hand made\n");

        var (_, without, _) = await Reports.OneOffAsync(desired, actual);
        var (_, with, _) = await Reports.OneOffAsync(desired, actual, "--extra");

        Assert.Equal(SyncStatus.Synced, without.SyncStatus);
        var file = Assert.Single(with.Files!);
        Assert.Equal(("rsyslog.d/99-manual.conf", ChangeKind.Extra), (file.Name, file.Change));
    }

    [Fact]
    public async Task A_missing_actual_root_is_UNKNOWN_with_exit_code_1_never_a_list_of_missing_files()
    {
        var (desired, _) = tree.Pair(("rsyslog.conf", "x\n"));

        var (code, report, _) = await Reports.OneOffAsync(desired, tree["no-such-dir"]);

        Assert.Equal(1, code);
        Assert.Equal(SyncStatus.Unknown, report.SyncStatus);
        Assert.Empty(report.Files!);
        Assert.Equal(0, report.DriftCount);
        Assert.Contains(tree["no-such-dir"], report.Error, StringComparison.Ordinal);
        Assert.Empty(ReportValidator.Validate(report, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Sensitive_files_carry_hashes_but_never_a_diff()
    {
        var (desired, actual) = tree.Pair(("ssl/server.key", "TOP-SECRET-KEY\n"), ("shadow", "root:HASHED:1\n"), ("app.conf", "a\n"));
        tree.Write("actual/ssl/server.key", "OTHER-SECRET-KEY\n");
        tree.Write("actual/shadow", "root:CHANGED:1\n");
        tree.Write("actual/app.conf", "b\n");

        var result = await CliRunner.RunAsync("check", "--repo", "r", "--server", "s", "--desired", desired, "--actual", actual, "--format", "json", "--no-send");

        var report = Assert.Single(Reports.Parse(result.Out));
        foreach (var name in (string[])["ssl/server.key", "shadow"])
        {
            var file = report.File(name);
            Assert.Equal(ChangeKind.Modified, file.Change);
            Assert.NotNull(file.ActualSha256);
            Assert.Null(file.Diff);
        }
        Assert.NotNull(report.File("app.conf").Diff);
        Assert.DoesNotContain("SECRET", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("CHANGED", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_diff_is_cut_at_the_limit_and_ends_with_a_marker()
    {
        var (desired, actual) = tree.Pair(("big.conf", string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"))));
        tree.Write("actual/big.conf", string.Concat(Enumerable.Range(0, 2000).Select(i => $"changed {i}\n")));

        var (_, report, _) = await Reports.OneOffAsync(desired, actual, "--max-diff-bytes", "4096");

        var diff = report.File("big.conf").Diff!;
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(diff) <= 4096, $"diff is {diff.Length} bytes");
        Assert.Contains("[diff truncated:", diff, StringComparison.Ordinal);
        Assert.Contains("-line 0\n", diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_diff_limit_is_64_KiB()
    {
        var (desired, actual) = tree.Pair(("big.conf", string.Concat(Enumerable.Range(0, 20000).Select(i => $"line {i}\n"))));
        tree.Write("actual/big.conf", string.Concat(Enumerable.Range(0, 20000).Select(i => $"other {i}\n")));

        var (_, report, _) = await Reports.OneOffAsync(desired, actual);

        var bytes = System.Text.Encoding.UTF8.GetByteCount(report.File("big.conf").Diff!);
        Assert.InRange(bytes, 60 * 1024, 64 * 1024);
    }

    [Fact]
    public async Task The_revision_is_the_desired_repos_git_HEAD_unless_given()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        Processes.Run("git", "-C", desired, "init", "-q");
        Processes.Run("git", "-C", desired, "add", ".");
        Processes.Run("git", "-C", desired, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first");
        var head = Processes.Run("git", "-C", desired, "rev-parse", "HEAD").Trim();

        var (_, fromGit, _) = await Reports.OneOffAsync(desired, actual);
        var (_, given, _) = await Reports.OneOffAsync(desired, actual, "--revision", "v1.2.3");

        Assert.Equal(head, fromGit.Revision);
        Assert.Equal("v1.2.3", given.Revision);
        Assert.StartsWith("gitops-status/", fromGit.Checker, StringComparison.Ordinal);
        Assert.NotNull(fromGit.DurationMs);
    }

    [Fact]
    public async Task The_revision_is_found_through_a_dot_git_file_as_in_worktrees_and_submodules()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        var origin = tree.Dir("origin");
        Processes.Run("git", "-C", origin, "init", "-q");
        Processes.Run("git", "-C", origin, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "first");
        Processes.Run("git", "-C", origin, "pack-refs", "--all");
        var head = Processes.Run("git", "-C", origin, "rev-parse", "HEAD").Trim();
        tree.Write("desired/.git", $"gitdir: {origin}/.git\n");

        var (_, report, _) = await Reports.OneOffAsync(desired, actual);

        Assert.Equal(head, report.Revision);
        Assert.Equal(SyncStatus.Synced, report.SyncStatus);
    }

    [Fact]
    public async Task Fail_on_drift_exits_3_when_drifted_and_0_when_synced()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));

        var synced = await CliRunner.RunAsync("check", "--repo", "r", "--server", "s", "--desired", desired, "--actual", actual, "--no-send", "--fail-on-drift");
        tree.Write("actual/a.conf", "b\n");
        var drifted = await CliRunner.RunAsync("check", "--repo", "r", "--server", "s", "--desired", desired, "--actual", actual, "--no-send", "--fail-on-drift");
        var withoutFlag = await CliRunner.RunAsync("check", "--repo", "r", "--server", "s", "--desired", desired, "--actual", actual, "--no-send");

        Assert.Equal((0, 3, 0), (synced.ExitCode, drifted.ExitCode, withoutFlag.ExitCode));
    }
}
