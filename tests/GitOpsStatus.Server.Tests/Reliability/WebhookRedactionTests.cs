using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Issue 18: webhook secrets in the log. A webhook URL's path and query (Slack's <c>/services/T…/B…/…</c>, a token in a
/// query) and its user info are secrets; the HTTP client factory logged every delivery's full URL at Information. Every
/// log line at every level is captured through real deliveries: delivered, answered 500, and to a sink that is down.
/// </summary>
public class WebhookRedactionTests : IDisposable
{
    private static readonly string[] Secrets =
        ["SLACKSECRET", "T000", "B000", "/services/", "PATHSECRET", "QUERYSECRET", "FAILSECRET", "FAILQUERY", "DOWNSECRET", "DOWNQUERY", "PASSWORDSECRET"];

    private readonly WebhookListener _sink = new(failFirst: 2);
    private readonly WebhookListener _failing = new(failFirst: int.MaxValue);
    private readonly int _downPort = ClosedPort();
    private readonly AppServer _server;

    public WebhookRedactionTests()
    {
        var sink = new Uri(_sink.Url);
        _server = new(new()
        {
            ["GITOPS_WEBHOOK_URLS"] = string.Join(",",
                $"slack+{_sink.Url}/services/T000/B000/SLACKSECRET",
                $"{_sink.Url}/hook/PATHSECRET?token=QUERYSECRET",
                $"http://user:PASSWORDSECRET@{sink.Authority}/basic",
                $"{_failing.Url}/fail/FAILSECRET?key=FAILQUERY",
                $"http://127.0.0.1:{_downPort}/down/DOWNSECRET?key=DOWNQUERY"),
            ["GITOPS_SWEEP_INTERVAL"] = "0.1s",
        }, services: services => services.Configure<LoggerFilterOptions>(filters =>
            // Every level of every category reaches the test's sink, whatever appsettings.json says.
            filters.Rules.Add(new LoggerFilterRule(typeof(LogSink).FullName, null, LogLevel.Trace, null))));
    }

    public void Dispose()
    {
        _server.Dispose();
        _sink.Dispose();
        _failing.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task No_log_line_at_any_level_holds_a_webhook_url_path_query_or_password_and_failures_name_the_url_redacted()
    {
        await _server.PostJson(Reports.Drifted("secret", "web-1", AppServer.Start, 3600, "a.conf"));

        // The sink answers 500 twice, then takes all three; the failing sink always answers 500; the down one refuses.
        await _sink.WaitUntil(s => s.Delivered.Count == 3, () => _server.Clock.Advance(TimeSpan.FromSeconds(15)));
        await _failing.WaitUntil(s => s.Received.Count >= 2, () => _server.Clock.Advance(TimeSpan.FromSeconds(15)));
        var lines = _server.Logs.Lines.ToList();

        Assert.Contains("/services/T000/B000/SLACKSECRET", _sink.Targets);
        Assert.Contains("/hook/PATHSECRET?token=QUERYSECRET", _sink.Targets);
        Assert.Contains("/fail/FAILSECRET?key=FAILQUERY", _failing.Targets);
        Assert.Contains(lines, l => l.StartsWith("Debug ", StringComparison.Ordinal) || l.StartsWith("Trace ", StringComparison.Ordinal));
        foreach (var secret in Secrets)
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"to {_failing.Url}/… failed", StringComparison.Ordinal) && l.Contains("HTTP 500", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"to http://127.0.0.1:{_downPort}/… failed", StringComparison.Ordinal) && l.Contains("ConnectionError", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"to {_sink.Url}/… failed", StringComparison.Ordinal) && l.Contains("HTTP 500", StringComparison.Ordinal));
    }

    /// <summary>A loopback port nobody listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
