using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

/// <summary><c>cause</c>: a drifted file's actual content looked up in its real git history, for local and SSH targets.</summary>
public sealed class CauseTests(SshServer sshd) : IClassFixture<SshServer>, IDisposable
{
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    private string Git(params string[] args) =>
        Processes.Run("git", ["-C", tree.Root, "-c", "user.name=Test", "-c", "user.email=test@example.com", .. args]).Trim();

    /// <summary>A repo whose app.conf went v1 → v2 → v3 (HEAD), with other.conf alongside; returns the v1 and v2 commits.</summary>
    private (string V1, string V2) History()
    {
        Git("init", "-q", "-b", "main");
        tree.Write("desired/app.conf", "version: 1\n");
        tree.Write("desired/other.conf", "other\n");
        Git("add", "-A");
        Git("commit", "-q", "-m", "v1");
        var v1 = Git("rev-parse", "HEAD");
        tree.Write("desired/app.conf", "version: 2\n");
        Git("commit", "-q", "-am", "v2");
        var v2 = Git("rev-parse", "HEAD");
        tree.Write("desired/other.conf", "other, changed\n");
        Git("commit", "-q", "-am", "unrelated");
        tree.Write("desired/app.conf", "version: 3\n");
        Git("commit", "-q", "-am", "v3");
        return (v1, v2);
    }

    private async Task<StatusReport> CheckAsync(string actual, params string[] more)
    {
        var result = await CliRunner.RunAsync(["check", "--repo", "r", "--server", "s", "--desired", tree["desired"], "--actual", actual,
            "--format", "json", "--no-send", .. more]);
        Assert.Equal(0, result.ExitCode);
        return Assert.Single(Reports.Parse(result.Out));
    }

    [Fact]
    public async Task A_file_with_an_older_committed_version_is_other_revision_with_that_commit_and_a_hand_edit_is_edited()
    {
        var (v1, v2) = History();
        tree.Write("actual/app.conf", "version: 2\n");
        tree.Write("actual/other.conf", "other, by hand\n");

        var report = await CheckAsync(tree["actual"]);

        Assert.Equal((DriftCause.OtherRevision, v2), (report.File("app.conf").Cause, report.File("app.conf").MatchesRevision));
        Assert.Equal((DriftCause.Edited, (string?)null), (report.File("other.conf").Cause, report.File("other.conf").MatchesRevision));
        tree.Write("actual/app.conf", "version: 1\n");
        Assert.Equal(v1, (await CheckAsync(tree["actual"])).File("app.conf").MatchesRevision);
        Assert.Empty(ReportValidator.Validate(report, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task Cause_works_over_ssh_and_for_sensitive_files_from_the_hashes_alone()
    {
        var (v1, _) = History();
        tree.Write("actual/app.conf", "version: 1\n");
        tree.Write("actual/other.conf", "typed in by hand\n");

        var report = await CheckAsync(sshd.Url(tree["actual"]), "--ssh-key", sshd.UserKey, "--known-hosts", sshd.KnownHosts);

        Assert.Equal((DriftCause.OtherRevision, v1), (report.File("app.conf").Cause, report.File("app.conf").MatchesRevision));
        Assert.Equal(DriftCause.Edited, report.File("other.conf").Cause);
    }

    [Fact]
    public async Task Outside_a_git_checkout_there_is_no_cause_rather_than_a_guess()
    {
        tree.Write("desired/app.conf", "version: 3\n");
        tree.Write("actual/app.conf", "version: 2\n");

        var report = await CheckAsync(tree["actual"]);

        Assert.Equal(ChangeKind.Modified, report.File("app.conf").Change);
        Assert.Null(report.File("app.conf").Cause);
    }
}
