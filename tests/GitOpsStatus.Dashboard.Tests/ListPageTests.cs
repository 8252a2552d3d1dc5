using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GitOpsStatus.Dashboard.Tests;

public sealed class ListPageTests(Chromium chromium) : IAsyncLifetime
{
    private readonly LiveServer _server = new();
    private IBrowserContext _context = null!;
    private IPage _page = null!;
    private List<string> _problems = null!;

    public async ValueTask InitializeAsync()
    {
        SetDefaultExpectTimeout(15_000);
        await Fleet.Seed(_server);
        (_context, _page, _problems) = await chromium.OpenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _context.CloseAsync();
        _server.Dispose();
    }

    private Task<string[]> Rows() => _page.EvaluateAsync<string[]>(
        "() => [...document.querySelectorAll('table.targets tbody tr:not(.empty)')].map(r => r.cells[0].innerText + '@' + r.cells[1].innerText)");

    private Task<string> Background(string selector) =>
        _page.Locator(selector).First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");

    [Fact]
    public async Task The_table_lists_every_target_worst_first_with_status_colours_and_counts()
    {
        await _page.GotoAsync(_server.Url("/"));

        Assert.Equal(
            ["dns@ns1", "infra/rsyslog@rsyslog-lab", "web@web-2", "web@web-3", "infra/rsyslog@rsyslog-prod", "web@web-1"],
            await Rows());
        Assert.Equal("rgb(26, 127, 55)", await Background("tr[data-status=SYNCED] .badge"));
        Assert.Equal("rgb(207, 34, 46)", await Background("tr[data-status=OUT_OF_SYNC] .badge"));
        Assert.Equal("rgb(89, 99, 110)", await Background("tr[data-status=STALE] .badge"));
        Assert.Equal("rgb(191, 135, 0)", await Background("tr[data-status=UNKNOWN] .badge"));
        Assert.Equal("2", await _page.Locator("a.count[data-status=SYNCED] .n").InnerTextAsync());
        Assert.Equal("2", await _page.Locator("a.count[data-status=OUT_OF_SYNC] .n").InnerTextAsync());
        Assert.Equal("1", await _page.Locator("a.count[data-status=STALE] .n").InnerTextAsync());
        Assert.Equal("1", await _page.Locator("a.count[data-status=UNKNOWN] .n").InnerTextAsync());
        var lab = _page.Locator("tbody tr", new() { HasText = "rsyslog-lab" });
        await Expect(lab.Locator("td.files")).ToHaveTextAsync("2 rsyslog.conf, rsyslog.d/30-lab.conf");
        await Expect(lab.Locator("td[data-label='Status since']")).ToHaveTextAsync("2 min ago");
        await Expect(lab.Locator("td[data-label=Revision]")).ToHaveTextAsync("4f2c1d9e8b7a");
        await Expect(_page.Locator("tr[data-status=UNKNOWN] td.files")).ToContainTextAsync("Connection refused");
        await Artifacts.Screenshot(_page, "dashboard");
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task An_unknown_row_shows_its_error_where_the_count_would_be_cut_short_with_the_full_text_on_hover()
    {
        var error = "ansible-playbook: " + string.Concat(Enumerable.Repeat("fatal: [db-1]: UNREACHABLE! ", 8)) + "END-OF-ERROR";
        await _server.Post(Fleet.Report("db", "db-1", "UNKNOWN", LiveServer.Start.AddMinutes(-1), error: error));

        await _page.GotoAsync(_server.Url("/"));

        var web2 = _page.Locator("tr", new() { HasText = "web-2" }).Locator("td.files");
        await Expect(web2).ToHaveTextAsync("ssh: connect to host web-2 port 22: Connection refused");
        await Expect(web2.Locator(".drift-count")).ToHaveCountAsync(0);
        var db1 = _page.Locator("tr", new() { HasText = "db-1" }).Locator("td.files");
        await Expect(db1).ToHaveTextAsync(error[..119] + "…");
        await Expect(db1.Locator(".error")).ToHaveAttributeAsync("title", error);
        await Expect(_page.Locator("tr[data-status=SYNCED] td.files .drift-count").First).ToHaveTextAsync("0"); // a real zero stays
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task A_status_count_filters_the_table_and_the_url_and_clicking_it_again_clears_it()
    {
        await _page.GotoAsync(_server.Url("/"));

        await _page.Locator("a.count[data-status=OUT_OF_SYNC]").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex(@"/\?status=OUT_OF_SYNC$"));
        await Expect(_page.Locator("tbody tr")).ToHaveCountAsync(2);
        Assert.Equal(["dns@ns1", "infra/rsyslog@rsyslog-lab"], await Rows());
        await Expect(_page.Locator("#f-status")).ToHaveValueAsync("OUT_OF_SYNC");
        await Expect(_page.Locator("a.count[data-status=OUT_OF_SYNC]")).ToHaveAttributeAsync("aria-current", "true");

        await _page.Locator("a.count[data-status=OUT_OF_SYNC]").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex(@"/$"));
        await Expect(_page.Locator("tbody tr")).ToHaveCountAsync(6);
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task Typing_a_search_and_picking_a_repo_filter_rows_and_land_in_the_url()
    {
        await _page.GotoAsync(_server.Url("/"));

        await _page.Locator("#f-q").FillAsync("web-");
        await Expect(_page).ToHaveURLAsync(new Regex(@"/\?q=web-$"));
        await Expect(_page.Locator("tbody tr")).ToHaveCountAsync(3);
        Assert.Equal(["web@web-2", "web@web-3", "web@web-1"], await Rows());

        await _page.Locator("#f-q").FillAsync("");
        await _page.Locator("#f-repo").SelectOptionAsync("infra/rsyslog");
        await Expect(_page).ToHaveURLAsync(new Regex(@"/\?repo=infra%2Frsyslog$"));
        await Expect(_page.Locator("tbody tr")).ToHaveCountAsync(2);
        Assert.Equal(["infra/rsyslog@rsyslog-lab", "infra/rsyslog@rsyslog-prod"], await Rows());
        await Expect(_page.Locator("a.count[data-status=SYNCED] .n")).ToHaveTextAsync("1");
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task A_column_header_sorts_the_rows_and_a_second_click_reverses_them()
    {
        await _page.GotoAsync(_server.Url("/"));

        await _page.Locator("th a[data-sort=server]").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex(@"/\?sort=server$"));
        await Expect(_page.Locator("th[aria-sort=ascending] a[data-sort=server]")).ToHaveCountAsync(1);
        Assert.Equal(["ns1", "rsyslog-lab", "rsyslog-prod", "web-1", "web-2", "web-3"], (await Rows()).Select(r => r.Split('@')[1]));

        await _page.Locator("th a[data-sort=server]").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex(@"/\?sort=server&dir=desc$"));
        await Expect(_page.Locator("th[aria-sort=descending] a[data-sort=server]")).ToHaveCountAsync(1);
        Assert.Equal(["web-3", "web-2", "web-1", "rsyslog-prod", "rsyslog-lab", "ns1"], (await Rows()).Select(r => r.Split('@')[1]));

        // A filter typed afterwards keeps the sort.
        await _page.Locator("#f-q").FillAsync("rsyslog");
        await Expect(_page).ToHaveURLAsync(new Regex(@"/\?sort=server&dir=desc&q=rsyslog$"));
        await Expect(_page.Locator("tbody tr")).ToHaveCountAsync(2);
        Assert.Equal(["infra/rsyslog@rsyslog-prod", "infra/rsyslog@rsyslog-lab"], await Rows());
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task A_shared_link_opens_with_its_filters_and_sort()
    {
        await _page.GotoAsync(_server.Url("/?q=rsyslog&status=SYNCED&sort=check&dir=desc"));

        Assert.Equal(["infra/rsyslog@rsyslog-prod"], await Rows());
        await Expect(_page.Locator("#f-q")).ToHaveValueAsync("rsyslog");
        await Expect(_page.Locator("#f-status")).ToHaveValueAsync("SYNCED");
        await Expect(_page.Locator("th[aria-sort=descending] a[data-sort=check]")).ToHaveCountAsync(1);
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task Without_javascript_the_page_reads_and_the_form_and_links_still_filter_and_sort()
    {
        var (context, page, problems) = await chromium.OpenAsync(new BrowserNewContextOptions { JavaScriptEnabled = false });
        await page.GotoAsync(_server.Url("/"));
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(6);

        await page.Locator("#f-q").FillAsync("rsyslog");
        await page.Locator("#filters button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/\?q=rsyslog&repo=&status=$"));
        await Expect(page.Locator("tbody tr")).ToHaveCountAsync(2);

        await page.Locator("th a[data-sort=check]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/\?q=rsyslog&sort=check$"));
        await Expect(page.Locator("tbody tr").First).ToContainTextAsync("rsyslog-lab");
        await Expect(page.Locator("noscript")).ToHaveCountAsync(1);
        Assert.Empty(problems);
        await context.CloseAsync();
    }

    [Fact]
    public async Task Hostile_text_is_shown_as_text_and_no_dialog_fires()
    {
        await _page.GotoAsync(_server.Url("/"));

        var row = _page.Locator("tbody tr", new() { HasText = "ns1" });
        await Expect(row.Locator("td.files")).ToContainTextAsync("zones/" + Fleet.HostileImg + ".zone");
        await Expect(row.Locator("td[data-label=Revision] code")).ToHaveAttributeAsync("title", Fleet.HostileScript);
        await _page.Locator("#f-q").FillAsync("onerror");
        await Expect(_page.Locator("tbody tr")).ToHaveCountAsync(1);
        await _page.WaitForTimeoutAsync(300); // an injected onerror would have fired by now
        Assert.Equal(0, await _page.Locator("main img, main script").CountAsync());
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task On_a_phone_each_target_is_a_labelled_card_without_sideways_scrolling()
    {
        var (context, page, problems) = await chromium.OpenAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
        });
        await page.GotoAsync(_server.Url("/"));

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        var label = await page.Locator("tbody tr td[data-label=Server]").First.EvaluateAsync<string>("e => getComputedStyle(e, '::before').content");
        Assert.Equal("\"Server\"", label);
        await Artifacts.Screenshot(page, "dashboard-phone");
        Assert.Empty(problems);
        await context.CloseAsync();
    }

    [Fact]
    public async Task Dark_mode_follows_the_system_setting()
    {
        var (context, page, problems) = await chromium.OpenAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = ColorScheme.Dark,
        });
        await page.GotoAsync(_server.Url("/"));

        Assert.Equal("rgb(13, 17, 23)", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        Assert.Equal("rgb(63, 185, 80)", await page.Locator("tr[data-status=SYNCED] .badge").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await Artifacts.Screenshot(page, "dashboard-dark");
        Assert.Empty(problems);
        await context.CloseAsync();
    }

    [Fact]
    public async Task Controls_are_labelled_and_the_table_has_headers_and_a_caption()
    {
        await _page.GotoAsync(_server.Url("/"));

        Assert.True(await _page.EvaluateAsync<bool>(
            "() => [...document.querySelectorAll('input:not([type=hidden]), select')].every(e => e.labels.length > 0 && e.labels[0].innerText.trim())"));
        await Expect(_page.Locator("table.targets thead th[scope=col]")).ToHaveCountAsync(7);
        await Expect(_page.Locator("table.targets caption")).ToHaveTextAsync("6 of 6 targets");
        await Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(_page.Locator("nav#counts")).ToHaveAttributeAsync("aria-label", "Filter by status");
    }
}
