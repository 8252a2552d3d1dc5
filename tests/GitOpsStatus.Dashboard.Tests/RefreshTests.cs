using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GitOpsStatus.Dashboard.Tests;

public sealed class RefreshTests(Chromium chromium) : IDisposable
{
    private readonly LiveServer _server = new(new() { ["GITOPS_DASHBOARD_REFRESH"] = "1s" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task The_list_refreshes_itself_and_keeps_the_filter_the_scroll_position_and_the_typing()
    {
        SetDefaultExpectTimeout(15_000);
        await Fleet.Seed(_server);
        for (var i = 0; i < 40; i++)
            await _server.Post(Fleet.Report("fleet", $"host-{i:00}", "SYNCED", LiveServer.Start.AddMinutes(-1)));
        var (context, page, problems) = await chromium.OpenAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 500 } });
        await page.GotoAsync(_server.Url("/?repo=fleet&sort=server"));
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(40);
        await page.Locator("#f-q").PressSequentiallyAsync("hos"); // the focus stays in the search box
        await page.EvaluateAsync("() => window.scrollTo(0, 400)");

        _server.Clock.Advance(TimeSpan.FromSeconds(30));
        await _server.Post(Fleet.Report("fleet", "host-new", "OUT_OF_SYNC", LiveServer.Start, [Fleet.File("motd")]));

        await Expect(page.Locator("tbody tr", new() { HasText = "host-new" })).ToHaveCountAsync(1);
        await Expect(page.Locator("tbody tr", new() { HasText = "host-new" }).Locator(".badge")).ToHaveTextAsync("OUT_OF_SYNC");
        await Expect(page.Locator("a.count[data-status=OUT_OF_SYNC] .n")).ToHaveTextAsync("1");
        await Expect(page.Locator("#updated time")).ToHaveTextAsync("2026-04-21 10:31:30 UTC");
        await Expect(page).ToHaveURLAsync(new Regex(@"/\?(repo=fleet&sort=server&q=hos|repo=fleet&sort=server)$"));
        Assert.Equal("hos", await page.Locator("#f-q").InputValueAsync());
        Assert.Equal("f-q", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.Equal(400, await page.EvaluateAsync<int>("() => Math.round(window.scrollY)"));
        Assert.Empty(problems);
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_target_page_refreshes_itself_with_a_new_report()
    {
        SetDefaultExpectTimeout(15_000);
        await Fleet.Seed(_server);
        var (context, page, problems) = await chromium.OpenAsync();
        await page.GotoAsync(_server.Url("/targets/rsyslog-lab/infra/rsyslog"));
        await Expect(page.Locator("section.file")).ToHaveCountAsync(2);

        await _server.Post(Fleet.Report("infra/rsyslog", "rsyslog-lab", "SYNCED", LiveServer.Start.AddSeconds(-5)));

        await Expect(page.Locator(".notice .badge")).ToHaveTextAsync("SYNCED");
        await Expect(page.Locator("section.file")).ToHaveCountAsync(0);
        await Expect(page.Locator("ol.timeline li")).ToHaveCountAsync(3);
        Assert.Empty(problems);
        await context.CloseAsync();
    }
}
