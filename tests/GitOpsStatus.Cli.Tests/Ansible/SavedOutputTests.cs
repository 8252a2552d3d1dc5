using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests.Ansible;

/// <summary>
/// <c>ansible --from</c>: a saved output of the real ansible-playbook (ansible-core 2.14, ansible.posix.json; paths made
/// neutral) parsed to the checked-in golden reports. Regenerate with <c>UPDATE_GOLDEN=1</c>.
/// </summary>
public sealed partial class SavedOutputTests
{
    [GeneratedRegex("\"last_check\": \"[^\"]*\"")]
    private static partial Regex LastCheck();

    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [Fact]
    public async Task A_saved_json_output_parses_to_the_golden_reports()
    {
        var result = await CliRunner.RunAsync("ansible", "--from", Path.Join(Here(), "check-output.json"), "--repo", "rsyslog",
            "--revision", "4f2a9c1e", "--source", "cron", "--interval", "2m", "--format", "json", "--no-send");

        Assert.Equal(1, result.ExitCode); // one host was unreachable
        var actual = LastCheck().Replace(result.Out, "\"last_check\": \"(run time)\"");
        var golden = Path.Join(Here(), "check-output.golden.json");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
            File.WriteAllText(golden, actual);
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [Fact]
    public async Task The_saved_output_covers_loops_skips_ignored_failures_and_missing_files()
    {
        var result = await CliRunner.RunAsync("ansible", "--from", Path.Join(Here(), "check-output.json"), "--repo", "rsyslog", "--format", "json", "--no-send");

        var reports = Reports.Parse(result.Out).ToDictionary(r => r.Server!);
        // The ignored failure (ignore_errors) and the skipped task change nothing; the loop's missing item counts.
        Assert.Equal([("/srv/rsyslog/etc/rsyslog.conf", ChangeKind.Modified), ("/srv/rsyslog/etc/rsyslog.d/50-default.conf", ChangeKind.Missing)],
            reports["rsyslog-lab-01"].Files!.Select(f => (f.Name!, f.Change!)));
        Assert.Equal(SyncStatus.Unknown, reports["rsyslog-lab-02"].SyncStatus);
        Assert.All(reports.Values, r => Assert.Empty(ReportValidator.Validate(r, DateTimeOffset.UtcNow)));
    }

    [Fact]
    public async Task Output_that_is_not_the_json_callbacks_exits_1_with_one_sentence()
    {
        using var tree = new TempTree();
        var file = tree.Write("out.txt", "PLAY [all] ****\nok: [lab-1]\n");

        var result = await CliRunner.RunAsync("ansible", "--from", file, "--repo", "rsyslog", "--no-send");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("gitops-status: Ansible's output is not the JSON callback's document", result.Err, StringComparison.Ordinal);
    }
}
