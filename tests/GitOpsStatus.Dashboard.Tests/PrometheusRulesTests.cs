using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>deploy/prometheus: the shipped alerting rules, run by promtool on its unit tests and on a real server's /metrics.</summary>
public sealed partial class PrometheusRulesTests : IDisposable
{
    private static readonly string Prometheus = Path.Combine(Artifacts.RepoRoot(), "deploy", "prometheus");
    private static readonly string Rules = Path.Combine(Prometheus, "rules.yml");
    private readonly LiveServer _server = new();
    private readonly string _work = Directory.CreateTempSubdirectory("gitops-rules-test-").FullName;

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task The_rules_pass_promtool_check_rules_and_their_unit_tests_at_2_minute_15_minute_and_1_hour_cadences()
    {
        var check = await Promtool("check", "rules", Rules);
        var test = await Promtool("test", "rules", Path.Combine(Prometheus, "rules.test.yml"));

        Assert.True(check.ExitCode == 0, "promtool check rules: " + check.Output);
        Assert.Contains("SUCCESS: 3 rules found", check.Output, StringComparison.Ordinal);
        Assert.True(test.ExitCode == 0, "promtool test rules: " + test.Output);
        var tests = File.ReadAllText(Path.Combine(Prometheus, "rules.test.yml"));
        Assert.All(["2-minute cadence", "15-minute cadence", "1-hour cadence"], name => Assert.Contains("- name: " + name, tests, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_target_of_a_real_servers_metrics_raises_the_alert_of_its_status_once_held_for_35_minutes()
    {
        await Fleet.Seed(_server);
        var exposition = await _server.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
        var series = Sample().Matches(exposition).Select(m => (Series: m.Groups[1].Value, Value: m.Groups[2].Value)).ToList();
        Assert.Equal(12, series.Count); // sync and drift files for the fleet's six targets

        var test = new StringBuilder($"rule_files: ['{Rules}']\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
        foreach (var (name, value) in series)
            test.Append($"      - series: '{name.Replace("'", "''", StringComparison.Ordinal)}'\n        values: '{value}x40'\n");
        test.Append("    promql_expr_test:\n      - expr: ALERTS{alertstate=\"firing\"}\n        eval_time: 35m\n        exp_samples:\n");
        foreach (var (alert, repo, server) in new[]
        {
            ("GitOpsDrift", "dns", "ns1"), ("GitOpsDrift", "infra/rsyslog", "rsyslog-lab"),
            ("GitOpsUnknown", "web", "web-2"), ("GitOpsStale", "web", "web-3"),
        })
        {
            test.Append($"          - labels: 'ALERTS{{alertname=\"{alert}\",alertstate=\"firing\",repo=\"{repo}\",server=\"{server}\",severity=\"warning\"}}'\n            value: 1\n");
        }
        var file = Path.Combine(_work, "real-metrics.test.yml");
        await File.WriteAllTextAsync(file, test.ToString(), TestContext.Current.CancellationToken);

        var result = await Promtool("test", "rules", file);

        Assert.True(result.ExitCode == 0, $"promtool test rules on the server's /metrics:\n{result.Output}\n{test}");
    }

    [Fact]
    public void The_readme_quotes_the_rules_file_as_it_is()
    {
        var readme = File.ReadAllText(Path.Combine(Artifacts.RepoRoot(), "README.md")).ReplaceLineEndings("\n");
        var quoted = QuotedRules().Match(readme);

        Assert.True(quoted.Success, "README.md has no ```yaml block right after a line naming deploy/prometheus/rules.yml");
        Assert.Equal(File.ReadAllText(Rules).ReplaceLineEndings("\n"), quoted.Groups[1].Value);
    }

    private static async Task<(int ExitCode, string Output)> Promtool(params string[] arguments)
    {
        using var promtool = Process.Start(new ProcessStartInfo("promtool", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = promtool.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = promtool.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await promtool.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (promtool.ExitCode, await output + await errors);
    }

    [GeneratedRegex(@"^(gitops_status_(?:sync|drift_files)\{[^\n]*\}) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex(@"deploy/prometheus/rules\.yml[^\n]*\n+```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex QuotedRules();
}
