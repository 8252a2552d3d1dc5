using System.Net;
using System.Text;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>Tokens never leak (logs, errors, pages); every response forbids sniffing and framing.</summary>
public class SecurityTests : IDisposable
{
    private const string WriteToken = "wtok-3f9a1c77e2b54d10";
    private const string AdminToken = "atok-8c2e6b0d41f97a35";
    private const string ReadToken = "rtok-51d7e09a3bc68f24";
    private const string WrongToken = "guess-0a1b2c3d4e5f6789";

    private readonly AppServer _server = new(new Dictionary<string, string>
    {
        ["GITOPS_WRITE_TOKENS"] = $"{WriteToken}:infra/*",
        ["GITOPS_ADMIN_TOKEN"] = AdminToken,
        ["GITOPS_READ_TOKEN"] = ReadToken,
    });

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task No_token_appears_in_logs_error_bodies_or_pages()
    {
        var t = AppServer.Start.AddMinutes(-1);
        var bodies = new List<string>();
        async Task Call(HttpMethod method, string path, string? token, string? json = null)
        {
            var response = await _server.Send(method, path, token, json);
            bodies.Add($"{(int)response.StatusCode} {response.Headers} {await response.Content.ReadAsStringAsync()}");
        }

        await Call(HttpMethod.Post, "/api/status", WriteToken, Reports.Synced("infra/rsyslog", "web-1", t));
        await Call(HttpMethod.Post, "/api/status", WriteToken, Reports.Synced("other", "web-1", t)); // 403: out of scope
        await Call(HttpMethod.Post, "/api/status", WrongToken, Reports.Synced("infra/rsyslog", "web-2", t)); // 401
        await Call(HttpMethod.Post, "/api/status", WriteToken, "{not json");
        await Call(HttpMethod.Get, "/status.json", WrongToken);
        await Call(HttpMethod.Get, "/status.json", ReadToken);
        await Call(HttpMethod.Get, "/metrics", ReadToken);
        await Call(HttpMethod.Get, "/", ReadToken);
        await Call(HttpMethod.Get, "/api/targets/web-1/infra/rsyslog", ReadToken);
        await Call(HttpMethod.Delete, "/api/targets/web-1/infra/rsyslog", WrongToken);
        await Call(HttpMethod.Delete, "/api/targets/web-1/infra/rsyslog", AdminToken);

        var everything = string.Join('\n', _server.Logs.Lines.Concat(bodies));
        Assert.Contains(bodies, b => b.StartsWith("401", StringComparison.Ordinal));
        Assert.Contains(bodies, b => b.StartsWith("403", StringComparison.Ordinal));
        foreach (var secret in new[] { WriteToken, AdminToken, ReadToken, WrongToken })
            Assert.DoesNotContain(secret, everything);
    }

    [Theory]
    [InlineData("GET", "/status.json")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/api/summary")]
    [InlineData("GET", "/healthz")]
    [InlineData("GET", "/")]
    [InlineData("POST", "/api/status")]
    [InlineData("GET", "/no-such-page")]
    public async Task Every_response_forbids_sniffing_and_framing(string method, string path)
    {
        var response = await _server.Send(new HttpMethod(method), path, method == "POST" ? WriteToken : ReadToken, method == "POST" ? "{}" : null);

        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{path}: no CSP");
        Assert.Contains("frame-ancestors 'none'", string.Join(";", csp));
        Assert.Equal("DENY", string.Join(",", response.Headers.GetValues("X-Frame-Options")));
    }
}
