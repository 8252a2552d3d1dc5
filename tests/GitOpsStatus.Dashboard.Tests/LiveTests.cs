using System.Diagnostics;
using System.Text.RegularExpressions;
using GitOpsStatus.Server.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>
/// The pages update the moment a report lands (Server-Sent Events), long before the timed refresh (30 s here), without
/// reloading the page. Timed from the POST's start to the row's colour in Chromium.
/// </summary>
public sealed class LiveTests(Chromium chromium) : IDisposable
{
    private readonly LiveServer _server = new(new() { ["GITOPS_DASHBOARD_REFRESH"] = "30s" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_posted_report_turns_the_row_red_in_the_open_list_within_a_second_without_a_reload()
    {
        await _server.Post(Fleet.Report("web", "web-1", "SYNCED", LiveServer.Start.AddMinutes(-1)));
        var (context, page, problems) = await chromium.OpenAsync();
        await page.GotoAsync(_server.Url("/"));
        var row = page.Locator("tbody tr", new() { HasText = "web-1" });
        await Expect(row).ToHaveClassAsync(new Regex("s-synced"));
        await page.EvaluateAsync("() => { window.sameDocument = true; }");
        await StreamOpenAsync(1);

        var posted = Stopwatch.StartNew();
        await _server.Post(Fleet.Report("web", "web-1", "OUT_OF_SYNC", LiveServer.Start.AddSeconds(-5), [Fleet.File("nginx.conf")]));
        await Expect(row).ToHaveClassAsync(new Regex("s-out_of_sync"), new() { Timeout = 10_000 });
        var seen = posted.Elapsed;

        Assert.True(seen < TimeSpan.FromSeconds(1), $"the row turned red {seen.TotalMilliseconds:0} ms after the POST began");
        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");
        await Expect(page.Locator("a.count[data-status=OUT_OF_SYNC] .n")).ToHaveTextAsync("1");
        Assert.Empty(problems);
        await context.CloseAsync();
    }

    [Fact]
    public async Task The_target_page_shows_a_new_report_at_once()
    {
        await _server.Post(Fleet.Report("web", "web-1", "SYNCED", LiveServer.Start.AddMinutes(-1)));
        var (context, page, problems) = await chromium.OpenAsync();
        await page.GotoAsync(_server.Url("/targets/web-1/web"));
        await StreamOpenAsync(1);

        await _server.Post(Fleet.Report("web", "web-1", "OUT_OF_SYNC", LiveServer.Start.AddSeconds(-5), [Fleet.File("nginx.conf")]));

        await Expect(page.Locator(".notice .badge")).ToHaveTextAsync("OUT_OF_SYNC", new() { Timeout = 5_000 });
        await Expect(page.Locator("section.file")).ToHaveCountAsync(1);
        Assert.Empty(problems);
        await context.CloseAsync();
    }

    /// <summary>Waits (at most 10 s) until the server has <paramref name="count"/> event streams open.</summary>
    private async Task StreamOpenAsync(int count)
    {
        var feed = _server.Services.GetRequiredService<ChangeFeed>();
        for (var i = 0; i < 100 && feed.Listeners < count; i++)
            await Task.Delay(100);
        Assert.Equal(count, feed.Listeners);
    }
}
