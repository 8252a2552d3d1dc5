using System.Diagnostics;
using System.Text.RegularExpressions;

using GitOpsStatus.Server.Tests.Postgres;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="MetricsTestsOnSqlite"/> and <see cref="MetricsTestsOnPostgres"/>.</summary>
public abstract partial class MetricsTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(new() { ["GITOPS_SWEEP_INTERVAL"] = "1d" }, postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task The_metrics_of_a_fixture_match_the_golden_file()
    {
        var text = await ScrapeFixture();

        // Durations differ from run to run; everything else is exact.
        var stable = DurationValue().Replace(text, "$1 <seconds-dependent>");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
            File.WriteAllText(Path.Combine(GoldenDir(), "metrics.txt"), stable);
        Assert.Equal(File.ReadAllText("Golden/metrics.txt").ReplaceLineEndings("\n"), stable);
    }

    [Fact]
    public async Task The_metrics_pass_promtool_check_metrics()
    {
        var text = await ScrapeFixture();

        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start)!;
        await promtool.StandardInput.WriteAsync(text);
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();

        Assert.True(promtool.ExitCode == 0, $"promtool check metrics exited {promtool.ExitCode}: {output}");
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public async Task The_metrics_are_served_as_prometheus_text()
    {
        var response = await _server.Client.GetAsync("/metrics");

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }

    private async Task<string> ScrapeFixture()
    {
        var t = new DateTimeOffset(2026, 4, 21, 10, 0, 0, TimeSpan.Zero);
        await _server.PostJson(Reports.Synced("infra/rsyslog", "rsyslog-lab", t.AddMinutes(20), revision: "4f2a9c1"));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "rsyslog-lab", t.AddMinutes(30), "rsyslog.conf", "rsyslog.d/30-lab.conf"));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "rsyslog-lab", t.AddMinutes(30), "rsyslog.conf", "rsyslog.d/30-lab.conf"));
        await _server.PostJson(Reports.Synced("infra/rsyslog", "rsyslog-lab", t.AddMinutes(10)));
        await _server.PostJson(Reports.Synced("nginx", "web-1", t.AddMinutes(30), interval: 120));
        await _server.PostJson(Reports.Synced("nginx", "web-2", t));
        await _server.PostJson("""{"repo":"nginx","server":"web-3","sync_status":"UNKNOWN","error":"ssh: connect to host web-3 port 22: Connection refused","last_check":"2026-04-21T10:29:00Z"}""");
        await _server.PostJson("""{"repo":"nginx","server":"web-4","sync_status":"SYNCED","drift_count":2}""");
        await _server.PostJson("{");
        await _server.Client.GetAsync("/api/summary");
        // A request is counted as it ends, which can be after its client has the answer: wait until the last one is.
        var text = "";
        for (var i = 0; i < 100 && !text.Contains("route=\"/api/summary\"", StringComparison.Ordinal); i++)
        {
            if (i > 0)
                await Task.Delay(20);
            text = await _server.Client.GetStringAsync("/metrics");
        }
        return text;
    }

    [GeneratedRegex(@"^(gitops_status_http_request_duration_seconds_(?:bucket|sum)\{[^}]*\}) \S+$", RegexOptions.Multiline)]
    private static partial Regex DurationValue();

    private static string GoldenDir([System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Golden");
}

public sealed class MetricsTestsOnSqlite() : MetricsTests(null)
{
}

public sealed class MetricsTestsOnPostgres(PostgresCluster postgres) : MetricsTests(postgres)
{
}
