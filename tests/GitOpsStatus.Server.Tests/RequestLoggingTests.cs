namespace GitOpsStatus.Server.Tests;

/// <summary>GITOPS_HTTP_LOGGING: ASP.NET Core's HTTP logging, one line per request when on, none when off (the default).</summary>
public class RequestLoggingTests
{
    private const string Category = "Microsoft.AspNetCore.HttpLogging";

    [Fact]
    public async Task With_http_logging_on_each_request_is_one_line_with_its_path_and_status_and_no_token()
    {
        using var server = new AppServer(new() { ["GITOPS_HTTP_LOGGING"] = "true", ["GITOPS_WRITE_TOKENS"] = "w-secret" });

        await server.Send(HttpMethod.Post, "/api/status", "w-secret", Reports.SeedSynced);
        await server.Client.GetAsync("/status.json?repo=rsyslog");
        await server.Client.GetAsync("/api/targets/nowhere/none");

        var lines = server.Logs.Lines.Where(l => l.Contains(Category, StringComparison.Ordinal)).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains("POST", lines[0], StringComparison.Ordinal);
        Assert.Contains("/api/status", lines[0], StringComparison.Ordinal);
        Assert.Contains("StatusCode: 200", lines[0], StringComparison.Ordinal);
        Assert.Contains("/status.json", lines[1], StringComparison.Ordinal);
        Assert.Contains("?repo=rsyslog", lines[1], StringComparison.Ordinal);
        Assert.Contains("StatusCode: 404", lines[2], StringComparison.Ordinal);
        Assert.All(lines, l => Assert.StartsWith("Information", l, StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains("w-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_the_setting_no_request_is_logged()
    {
        using var server = new AppServer();

        await server.PostJson(Reports.SeedSynced);
        await server.Client.GetAsync("/status.json");

        Assert.DoesNotContain(server.Logs.Lines, l => l.Contains(Category, StringComparison.Ordinal));
    }
}
