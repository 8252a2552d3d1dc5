using System.Net;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Dashboard.Tests;

public sealed partial class HeadersTests : IDisposable
{
    private readonly LiveServer _server = new();

    public void Dispose() => _server.Dispose();

    [Theory]
    [InlineData("/")]
    [InlineData("/targets/ns1/dns")]
    [InlineData("/login")]
    public async Task Pages_carry_a_strict_content_security_policy_and_no_inline_script_or_style(string path)
    {
        await Fleet.Seed(_server);

        var response = await _server.Client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Empty(InlineScript().Matches(html));
        Assert.DoesNotContain(" style=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase); // the fixture's hostile text, encoded
        Assert.DoesNotContain("<script>alert", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("dashboard.css", "text/css")]
    [InlineData("dashboard.js", "text/javascript")]
    [InlineData("favicon.svg", "image/svg+xml")]
    public async Task Assets_are_served_by_the_app_with_their_type_and_nosniff(string name, string type)
    {
        var response = await _server.Client.GetAsync(new Uri("/assets/" + name, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync(new Uri("/assets/nope.js", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task The_page_reports_its_render_time()
    {
        var response = await _server.Client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Matches(@"^render;dur=\d+\.\d$", Assert.Single(response.Headers.GetValues("Server-Timing")));
    }

    /// <summary>A script element without a src attribute.</summary>
    [GeneratedRegex("<script(?![^>]*\\ssrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();
}
