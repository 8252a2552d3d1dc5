using System.Text.Json;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests.Fixtures;

internal static class Reports
{
    /// <summary>The reports <c>--format json</c> printed; fails the test when stdout is anything else.</summary>
    public static List<StatusReport> Parse(string stdout) =>
        JsonSerializer.Deserialize(stdout, ReportJson.Default.ListStatusReport) ?? throw new InvalidOperationException("stdout was null JSON");

    public static DriftedFile File(this StatusReport report, string name) =>
        report.Files!.Single(f => f.Name == name);

    /// <summary>Runs a one-off check with --format json --no-send and returns the exit code and the single report.</summary>
    public static async Task<(int ExitCode, StatusReport Report, string Err)> OneOffAsync(string desired, string actual, params string[] more)
    {
        var result = await CliRunner.RunAsync(["check", "--repo", "infra/rsyslog", "--server", "lab-1", "--desired", desired, "--actual", actual,
            "--format", "json", "--no-send", .. more]);
        return (result.ExitCode, Assert.Single(Parse(result.Out)), result.Err);
    }
}
