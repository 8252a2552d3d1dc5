using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Ansible;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

/// <summary><c>push --markers</c>: the seed's drift-check output (DRIFTED_FILES= / SYNC_STATUS=) becomes a report.</summary>
public sealed class MarkersTests : IDisposable
{
    // What the seed's drift-check.yml prints through Ansible's default callback (its debug tasks).
    private const string SeedDrifted = """
        TASK [Report drifted files] ****************************************************
        ok: [rsyslog-lab] => {
            "msg": "DRIFTED_FILES=rsyslog.conf,rsyslog.d/30-lab.conf"
        }

        TASK [Report sync status] ******************************************************
        ok: [rsyslog-lab] => {
            "msg": "SYNC_STATUS=OUT_OF_SYNC"
        }

        PLAY RECAP *********************************************************************
        rsyslog-lab                : ok=6    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0
        """;

    private readonly TempTree tree = new();
    private readonly StatusServer server = new();

    public void Dispose()
    {
        server.Dispose();
        tree.Dispose();
    }

    private Task<CliResult> PushAsync(string stdin, params string[] more) =>
        CliRunner.RunAsync(["push", "--markers", "-", "--url", server.Url, "--retries", "0", "--spool-dir", tree["spool"], .. more], stdin: stdin);

    [Fact]
    public async Task The_seeds_marker_lines_inside_ansible_output_become_an_OUT_OF_SYNC_report_on_the_server()
    {
        var result = await PushAsync(SeedDrifted, "--repo", "rsyslog", "--server", "rsyslog-lab", "--source", "cron", "--interval", "2m");

        Assert.Equal(0, result.ExitCode);
        var row = (await server.TargetsAsync())["rsyslog-lab"];
        Assert.Equal(("rsyslog", "OUT_OF_SYNC", 2), (row.GetProperty("repo").GetString(), row.GetProperty("sync_status").GetString(), row.GetProperty("drift_count").GetInt32()));
        Assert.Equal("rsyslog.conf, rsyslog.d/30-lab.conf", row.GetProperty("files").GetString());
        Assert.Equal("cron", row.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Bare_marker_lines_with_no_files_are_SYNCED()
    {
        var result = await PushAsync("DRIFTED_FILES=\nSYNC_STATUS=SYNCED\n", "--repo", "rsyslog", "--server", "rsyslog-lab");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("SYNCED", (await server.TargetsAsync())["rsyslog-lab"].GetProperty("sync_status").GetString());
    }

    [Fact]
    public void The_seed_markers_map_to_reports_field_by_field()
    {
        var now = DateTimeOffset.Parse("2026-04-21T10:30:00Z", System.Globalization.CultureInfo.InvariantCulture);

        var report = Assert.Single(SeedMarkers.ToReports(SeedDrifted, "rsyslog", "rsyslog-lab", now, "deploy", 120));

        Assert.Equal(new StatusReport
        {
            Repo = "rsyslog",
            Server = "rsyslog-lab",
            SyncStatus = SyncStatus.OutOfSync,
            DriftCount = 2,
            Files = report.Files,
            LastCheck = now,
            Source = "deploy",
            IntervalSeconds = 120,
            Checker = report.Checker,
        }, report);
        Assert.Equal([("rsyslog.conf", ChangeKind.Modified), ("rsyslog.d/30-lab.conf", ChangeKind.Modified)], report.Files!.Select(f => (f.Name!, f.Change!)));
        Assert.Empty(ReportValidator.Validate(report, now));
    }

    [Fact]
    public void OUT_OF_SYNC_without_file_names_is_UNKNOWN_with_the_reason_rather_than_a_contradiction()
    {
        var report = Assert.Single(SeedMarkers.ToReports("SYNC_STATUS=OUT_OF_SYNC\n", "r", "s", DateTimeOffset.UtcNow, null, null));

        Assert.Equal(SyncStatus.Unknown, report.SyncStatus);
        Assert.Contains("no DRIFTED_FILES", report.Error, StringComparison.Ordinal);
        Assert.Empty(ReportValidator.Validate(report, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task The_checkers_own_markers_output_reads_back_one_report_per_target()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"), ("b.conf", "b\n"));
        tree.Write("actual/b.conf", "B\n");
        var check = await CliRunner.RunAsync("check", "--repo", "rsyslog", "--server", "lab-9", "--desired", desired, "--actual", actual, "--format", "markers", "--no-send");

        var result = await PushAsync(check.Out);

        Assert.Equal(0, result.ExitCode);
        var row = (await server.TargetsAsync())["lab-9"];
        Assert.Equal(("OUT_OF_SYNC", "b.conf"), (row.GetProperty("sync_status").GetString(), row.GetProperty("files").GetString()));
    }

    [Fact]
    public async Task Markers_without_a_server_name_or_without_any_marker_are_refused()
    {
        var noServer = await PushAsync(SeedDrifted, "--repo", "rsyslog");
        var noMarkers = await PushAsync("PLAY RECAP ****\n", "--repo", "rsyslog", "--server", "s");

        Assert.Equal((2, "gitops-status: stdin has markers without SERVER=: pass --server NAME (or set GITOPS_SERVER).\n"), (noServer.ExitCode, noServer.Err));
        Assert.Equal(1, noMarkers.ExitCode);
        Assert.Contains("has no DRIFTED_FILES= or SYNC_STATUS= marker", noMarkers.Err, StringComparison.Ordinal);
        Assert.Empty(await server.TargetsAsync());
    }
    [Fact]
    public async Task Push_exits_as_check_does_1_for_UNKNOWN_and_3_for_drift_with_fail_on_drift()
    {
        var unknown = await PushAsync("SYNC_STATUS=UNKNOWN\n", "--repo", "rsyslog", "--server", "lab-u");
        var drifted = await PushAsync(SeedDrifted, "--repo", "rsyslog", "--server", "rsyslog-lab", "--fail-on-drift");
        var synced = await PushAsync("DRIFTED_FILES=\nSYNC_STATUS=SYNCED\n", "--repo", "rsyslog", "--server", "lab-s", "--fail-on-drift");

        Assert.Equal((1, 3, 0), (unknown.ExitCode, drifted.ExitCode, synced.ExitCode));
        var rows = await server.TargetsAsync();
        Assert.Equal(("UNKNOWN", "OUT_OF_SYNC"), (rows["lab-u"].GetProperty("sync_status").GetString(), rows["rsyslog-lab"].GetProperty("sync_status").GetString()));
    }

    [Fact]
    public async Task Push_no_send_prints_the_report_it_would_send_with_the_git_HEAD_as_its_revision()
    {
        var repo = tree.Dir("ansible-repo");
        tree.Write("ansible-repo/drift-check.yml", "- hosts: all\n");
        Processes.Run("git", "-C", repo, "init", "-q");
        Processes.Run("git", "-C", repo, "add", ".");
        Processes.Run("git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first");
        var head = Processes.Run("git", "-C", repo, "rev-parse", "HEAD").Trim();

        var result = await CliRunner.RunAsync(["push", "--markers", "-", "--repo", "rsyslog", "--server", "rsyslog-lab", "--format", "json", "--no-send"],
            stdin: SeedDrifted, cwd: repo);

        Assert.Equal(0, result.ExitCode);
        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal((SyncStatus.OutOfSync, head), (report.SyncStatus, report.Revision));
        Assert.Empty(await server.TargetsAsync());
    }
}
