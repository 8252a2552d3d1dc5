using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GitOpsStatus.Server.Tests;

public class AccessTests : IDisposable
{
    private readonly AppServer _server = new(new()
    {
        ["GITOPS_WRITE_TOKENS"] = "w-all, w-infra:infra/*\n w-web:infra/*@web-*",
        ["GITOPS_ADMIN_TOKEN"] = "admin-secret",
        ["GITOPS_READ_TOKEN"] = "read-secret",
    });

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(null, "infra/rsyslog", "web-1", HttpStatusCode.Unauthorized, "Authorization")]
    [InlineData("nope", "infra/rsyslog", "web-1", HttpStatusCode.Unauthorized, "Authorization")]
    [InlineData("w-all", "nginx", "db-1", HttpStatusCode.OK, null)]
    [InlineData("w-infra", "infra/rsyslog", "db-1", HttpStatusCode.OK, null)]
    [InlineData("w-infra", "nginx", "web-1", HttpStatusCode.Forbidden, "repo")]
    [InlineData("w-web", "infra/rsyslog", "web-7", HttpStatusCode.OK, null)]
    [InlineData("w-web", "infra/rsyslog", "db-1", HttpStatusCode.Forbidden, "server")]
    [InlineData("w-web", "nginx", "web-1", HttpStatusCode.Forbidden, "repo")]
    [InlineData("read-secret", "infra/rsyslog", "web-1", HttpStatusCode.Forbidden, "Authorization")]
    public async Task A_report_needs_a_write_token_whose_scope_covers_the_target(string? token, string repo, string server, HttpStatusCode expected, string? field)
    {
        var response = await _server.Send(HttpMethod.Post, "/api/status", token, Reports.Synced(repo, server, AppServer.Start));

        Assert.Equal(expected, response.StatusCode);
        if (field is null)
            return;
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(expected == HttpStatusCode.Unauthorized, response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer"));
        var stored = await (await _server.Send(HttpMethod.Get, "/api/targets", "read-secret")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, stored.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("/status.json")]
    [InlineData("/api/targets")]
    [InlineData("/api/summary")]
    [InlineData("/metrics")]
    [InlineData("/openapi/v1.json")]
    public async Task Every_read_route_needs_the_read_token(string path)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Send(HttpMethod.Get, path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Send(HttpMethod.Get, path, "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _server.Send(HttpMethod.Get, path, "w-all")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Send(HttpMethod.Get, path, "read-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Send(HttpMethod.Get, path, "admin-secret")).StatusCode);
    }

    [Fact]
    public async Task A_browser_may_carry_the_read_token_in_a_cookie()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/summary");
        request.Headers.Add("Cookie", "gitops_status_token=read-secret");

        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(request)).StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_routes_stay_open(string path) =>
        Assert.Equal(HttpStatusCode.OK, (await _server.Send(HttpMethod.Get, path)).StatusCode);

    [Fact]
    public async Task Only_the_admin_token_deletes()
    {
        await _server.Send(HttpMethod.Post, "/api/status", "w-all", Reports.Synced("infra/rsyslog", "web-1", AppServer.Start));
        const string Path = "/api/targets/web-1/infra/rsyslog";

        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Send(HttpMethod.Delete, Path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Send(HttpMethod.Delete, Path, "wrong")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _server.Send(HttpMethod.Delete, Path, "read-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _server.Send(HttpMethod.Delete, Path, "w-all")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.Send(HttpMethod.Get, Path, "read-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Send(HttpMethod.Delete, Path, "admin-secret")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Send(HttpMethod.Get, Path, "read-secret")).StatusCode);
    }
}

public class RateLimitTests : IDisposable
{
    private readonly AppServer _server = new(new() { ["GITOPS_WRITE_RATE_LIMIT"] = "3" });

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_client_over_its_write_rate_gets_429_with_retry_after()
    {
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            codes.Add((await _server.PostJson(Reports.Synced("r", $"s{i}", AppServer.Start))).StatusCode);
        var refused = await _server.PostJson(Reports.Synced("r", "late", AppServer.Start));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], codes);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/status.json")).StatusCode);
        Assert.Contains("gitops_status_reports_rejected_total{reason=\"rate_limited\"} 2", await _server.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }
}
