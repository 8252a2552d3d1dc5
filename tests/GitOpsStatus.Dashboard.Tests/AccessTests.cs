using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GitOpsStatus.Dashboard.Tests;

public sealed class AccessTests(Chromium chromium) : IDisposable
{
    private const string ReadToken = "read-7f3a9c1e5b";
    private readonly LiveServer _server = new(new() { ["GITOPS_READ_TOKEN"] = ReadToken });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task With_a_read_token_the_page_asks_for_it_and_keeps_it_in_an_httponly_strict_cookie_not_the_url()
    {
        SetDefaultExpectTimeout(15_000);
        await Fleet.Seed(_server);
        var (context, page, problems) = await chromium.OpenAsync();
        var urls = new List<string>();
        page.Request += (_, request) => urls.Add(request.Url);

        await page.GotoAsync(_server.Url("/?status=OUT_OF_SYNC"));
        await Expect(page).ToHaveURLAsync(new Regex(@"/login\?next=%2F%3Fstatus%3DOUT_OF_SYNC$"));
        await Expect(page.Locator("table")).ToHaveCountAsync(0);

        await page.GetByLabel("Read token").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("[role=alert]")).ToContainTextAsync("not valid");

        await page.GetByLabel("Read token").FillAsync(ReadToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/\?status=OUT_OF_SYNC$"));
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(2);

        var cookies = await context.CookiesAsync();
        var cookie = Assert.Single(cookies, c => c.Name == "gitops_status_token");
        Assert.All(cookies, c => Assert.True(c.HttpOnly && c.SameSite == SameSiteAttribute.Strict, c.Name)); // the antiforgery cookie too
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.Equal("/", cookie.Path);
        Assert.DoesNotContain(urls, u => u.Contains(ReadToken, StringComparison.Ordinal));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => document.cookie.length")); // not readable by script

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/login$"));
        await page.GotoAsync(_server.Url("/targets/ns1/dns"));
        await Expect(page).ToHaveURLAsync(new Regex(@"/login\?next="));
        Assert.DoesNotContain(problems, p => !p.Contains("401", StringComparison.Ordinal));
        await context.CloseAsync();
    }

    [Fact]
    public async Task Scripts_may_read_the_page_with_the_bearer_token_and_without_it_get_sent_to_sign_in()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress };

        var anonymous = await client.GetAsync("/");
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/");
        withToken.Headers.Authorization = new("Bearer", ReadToken);
        var allowed = await client.SendAsync(withToken);

        Assert.Equal(HttpStatusCode.SeeOther, anonymous.StatusCode);
        Assert.Equal("/login?next=%2F", anonymous.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/assets/dashboard.css", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("/targets/a/b", "/targets/a/b")]
    [InlineData("//evil.example/", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData(null, "/")]
    public void After_sign_in_only_a_path_on_this_server_is_followed(string? next, string expected) =>
        Assert.Equal(expected, GitOpsStatus.Server.Dashboard.LoginPage.LocalPath(next));
}
