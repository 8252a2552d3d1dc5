using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GitOpsStatus.Dashboard.Tests;

public sealed class TargetPageTests(Chromium chromium) : IAsyncLifetime
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

    [Fact]
    public async Task A_row_opens_the_target_page_with_each_file_its_change_kind_and_a_coloured_diff()
    {
        await _page.GotoAsync(_server.Url("/"));
        await _page.Locator("tbody tr", new() { HasText = "rsyslog-lab" }).GetByRole(AriaRole.Link, new() { Name = "rsyslog-lab" }).ClickAsync();

        await Expect(_page).ToHaveURLAsync(new Regex("/targets/rsyslog-lab/infra/rsyslog$"));
        await Expect(_page.Locator("h1")).ToHaveTextAsync("rsyslog-lab in infra/rsyslog");
        await Expect(_page.Locator(".notice .badge")).ToHaveTextAsync("OUT_OF_SYNC");
        var files = _page.Locator("section.file");
        await Expect(files).ToHaveCountAsync(2);
        await Expect(files.Nth(0).Locator("h3")).ToHaveTextAsync("rsyslog.conf");
        await Expect(files.Nth(0).Locator(".kind")).ToHaveTextAsync("modified");
        await Expect(files.Nth(0).Locator(".meta").First).ToContainTextAsync("in git: files/rsyslog.conf");
        await Expect(files.Nth(1).Locator(".kind")).ToHaveTextAsync("missing");
        await Expect(files.Nth(1).Locator(".nodiff")).ToHaveTextAsync("Missing on the server: no diff.");

        var removed = files.Nth(0).Locator(".diff .del");
        var added = files.Nth(0).Locator(".diff .add");
        await Expect(removed).ToHaveTextAsync("-*.* @@logs.internal:514");
        await Expect(added).ToHaveTextAsync("+*.* @@10.0.0.99:514");
        await Expect(files.Nth(0).Locator(".diff .hunk")).ToHaveTextAsync("@@ -1,4 +1,4 @@");
        Assert.Equal("rgb(255, 235, 233)", await removed.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        Assert.Equal("rgb(218, 251, 225)", await added.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await Artifacts.Screenshot(_page, "target");
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task The_history_timeline_lists_each_change_newest_first()
    {
        await _page.GotoAsync(_server.Url("/targets/rsyslog-lab/infra/rsyslog"));

        var events = _page.Locator("ol.timeline li");
        await Expect(events).ToHaveCountAsync(2);
        await Expect(events.Nth(0)).ToContainTextAsync("SYNCED → OUT_OF_SYNC; 2 drifted: rsyslog.conf, rsyslog.d/30-lab.conf");
        await Expect(events.Nth(0)).ToContainTextAsync("2 min ago");
        await Expect(events.Nth(1)).ToContainTextAsync("First report: SYNCED; revision 4f2c1d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a392");
        await Expect(events.Nth(1)).ToContainTextAsync("5 min ago");
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task Hostile_file_names_diffs_and_revisions_are_shown_as_text_and_no_dialog_fires()
    {
        await _page.GotoAsync(_server.Url("/targets/ns1/dns"));

        await Expect(_page.Locator("section.file h3")).ToHaveTextAsync("zones/" + Fleet.HostileImg + ".zone");
        await Expect(_page.Locator(".diff .del")).ToHaveTextAsync("-" + Fleet.HostileScript);
        await Expect(_page.Locator(".diff .add")).ToHaveTextAsync("+" + Fleet.HostileImg);
        await Expect(_page.Locator(".facts")).ToContainTextAsync("Revision" + Fleet.HostileScript);
        await Expect(_page.Locator(".facts")).ToContainTextAsync("Source" + Fleet.HostileImg);
        await _page.WaitForTimeoutAsync(300); // an injected onerror would have fired by now
        Assert.Equal(0, await _page.Locator("main img, main script").CountAsync());
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task An_unknown_target_shows_its_error_and_a_missing_one_answers_404()
    {
        await _page.GotoAsync(_server.Url("/targets/web-2/web"));
        await Expect(_page.Locator(".facts")).ToContainTextAsync("ssh: connect to host web-2 port 22: Connection refused");
        await Expect(_page.Locator(".notice .badge")).ToHaveTextAsync("UNKNOWN");

        var missing = await _page.GotoAsync(_server.Url("/targets/nowhere/web"));
        Assert.Equal(404, missing!.Status);
        await Expect(_page.Locator("h1")).ToHaveTextAsync("No such target");
        Assert.DoesNotContain(_problems, p => !p.Contains("404", StringComparison.Ordinal));
    }
    [Fact]
    public async Task An_unknown_target_page_leads_with_what_the_check_could_not_do_and_when_instead_of_an_empty_file_list()
    {
        await _page.GotoAsync(_server.Url("/targets/web-2/web"));

        var failure = _page.Locator("#check-error");
        await Expect(failure).ToBeVisibleAsync();
        await Expect(failure.Locator("h2")).ToHaveTextAsync("Not checked: drift unknown");
        await Expect(failure).ToContainTextAsync($"The last check, at {LiveServer.Start.AddMinutes(-4).UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC (4 min ago) from cron, could not compare");
        await Expect(failure.Locator("pre.error-text")).ToHaveTextAsync("ssh: connect to host web-2 port 22: Connection refused");
        Assert.Equal("rgb(191, 135, 0)", await failure.EvaluateAsync<string>("e => getComputedStyle(e).borderLeftColor"));
        await Expect(_page.Locator("#files")).ToHaveCountAsync(0);
        await Expect(_page.Locator("#target")).Not.ToContainTextAsync("Drifted files");
        await Expect(_page.Locator("#target")).Not.ToContainTextAsync("the server matched git");
        Assert.True(await failure.EvaluateAsync<bool>("e => e.compareDocumentPosition(document.getElementById('history')) & Node.DOCUMENT_POSITION_FOLLOWING"),
            "the error comes before the history");
        Assert.Empty(_problems);
    }

    [Fact]
    public async Task A_mode_or_owner_change_shows_what_git_wants_and_what_the_server_has()
    {
        await _server.Post("""
            {"repo":"infra/ssh","server":"bastion","sync_status":"OUT_OF_SYNC","drift_count":2,"last_check":"2026-04-21T10:30:00Z","interval_seconds":120,
             "files":[{"name":"/etc/ssh/sshd_config","change":"mode","expected_mode":"0600","actual_mode":"0644"},
                      {"name":"/etc/ssh/banner","change":"owner","expected_owner":"root","actual_owner":"deploy:deploy"}]}
            """);

        await _page.GotoAsync(_server.Url("/targets/bastion/infra/ssh"));

        var files = _page.Locator("section.file");
        await Expect(files.Filter(new() { HasText = "/etc/ssh/banner" }).Locator(".meta").First).ToHaveTextAsync("owner: git wants root, the server has deploy:deploy");
        await Expect(files.Filter(new() { HasText = "/etc/ssh/sshd_config" }).Locator(".meta").First).ToHaveTextAsync("mode: git wants 0600, the server has 0644");
        Assert.Empty(_problems);
    }
}
