using System.Net;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>The sign-in form as an attacker drives it: hostile <c>next</c> values, cross-site POSTs, a TLS-terminating proxy.</summary>
public sealed partial class SignInTests(Chromium chromium)
{
    private const string ReadToken = "read-7f3a9c1e5b";

    /// <summary>Decoded <c>next</c> values: each would leave the site (or, with control or non-ASCII characters, crash the header) if followed.</summary>
    public static readonly TheoryData<string> HostileNext =
    [
        "/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", "http:/evil.example", "/\n/evil.example",
        "/\r\nSet-Cookie: x=1", "/ünïcode", " //evil.example", "\\\\evil.example", "javascript:alert(1)", "/ /evil.example",
    ];

    [Theory]
    [MemberData(nameof(HostileNext))]
    [InlineData("/\0/evil.example")]
    public async Task A_hostile_next_on_GET_login_redirects_to_the_home_page(string next)
    {
        using var server = new LiveServer();
        using var client = NoRedirects(server);

        using var response = await client.GetAsync("/login?next=" + Uri.EscapeDataString(next));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [MemberData(nameof(HostileNext))]
    public async Task A_hostile_next_after_a_successful_POST_login_redirects_to_the_home_page(string next)
    {
        using var server = new LiveServer(new() { ["GITOPS_READ_TOKEN"] = ReadToken });
        using var client = NoRedirects(server);
        var antiforgery = await FormTokenAsync(client, "/login?next=" + Uri.EscapeDataString(next));

        using var response = await client.PostAsync("/login", new FormUrlEncodedContent(
            [new("token", ReadToken), new("next", next), new("__RequestVerificationToken", antiforgery)]));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("/targets/a/b?status=OUT_OF_SYNC")]
    [InlineData("/%09/evil.example")]
    public async Task A_same_site_path_is_followed_after_sign_in(string next)
    {
        using var server = new LiveServer(new() { ["GITOPS_READ_TOKEN"] = ReadToken });
        using var client = NoRedirects(server);
        var antiforgery = await FormTokenAsync(client, "/login");

        using var response = await client.PostAsync("/login", new FormUrlEncodedContent(
            [new("token", ReadToken), new("next", next), new("__RequestVerificationToken", antiforgery)]));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal(next, response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Chromium_sent_to_login_with_a_tab_in_next_stays_on_this_site()
    {
        using var server = new LiveServer();
        var (context, page, _) = await chromium.OpenAsync();

        await page.GotoAsync(server.Url("/login?next=/%09/evil.example"));

        Assert.Equal(server.BaseAddress.Authority, new Uri(page.Url).Authority);
        Assert.Equal("/", new Uri(page.Url).AbsolutePath);
        await context.CloseAsync();
    }

    [Theory]
    [InlineData("/login")]
    [InlineData("/logout")]
    public async Task A_cross_site_form_POST_without_the_antiforgery_token_is_refused(string path)
    {
        using var server = new LiveServer(new() { ["GITOPS_READ_TOKEN"] = ReadToken });
        using var client = NoRedirects(server);
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent([new("token", ReadToken), new("next", "/")]),
        };
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("gitops_status_token=" + ReadToken, StringComparison.Ordinal)));
        Assert.Contains("another site", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("10.9.9.9", false)]
    [InlineData("", false)]
    public async Task The_sign_in_cookie_is_Secure_when_a_trusted_proxy_says_the_request_was_https(string trustedProxies, bool secure)
    {
        using var server = new LiveServer(new() { ["GITOPS_READ_TOKEN"] = ReadToken, ["GITOPS_TRUSTED_PROXIES"] = trustedProxies });
        using var client = NoRedirects(server);
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        var antiforgery = await FormTokenAsync(client, "/login");

        using var response = await client.PostAsync("/login", new FormUrlEncodedContent(
            [new("token", ReadToken), new("next", "/"), new("__RequestVerificationToken", antiforgery)]));

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gitops_status_token=", StringComparison.Ordinal));
        Assert.Equal(secure, cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A client that shows redirects and Set-Cookie headers as they come.</summary>
    private static HttpClient NoRedirects(LiveServer server) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.BaseAddress };

    /// <summary>Opens the form as a browser would: its antiforgery cookie is sent from now on, its field value returned.</summary>
    private static async Task<string> FormTokenAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gitops_antiforgery=", StringComparison.Ordinal));
        client.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        return WebUtility.HtmlDecode(AntiforgeryInput().Match(html).Groups[1].Value) is { Length: > 0 } token
            ? token
            : throw new InvalidOperationException("no antiforgery field in " + html);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryInput();
}
