using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Server.History;
using GitOpsStatus.Server.Notifications;
using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="HistoryTestsOnSqlite"/> and <see cref="HistoryTestsOnPostgres"/>.</summary>
public abstract class HistoryTests(PostgresCluster? postgres) : IDisposable
{
    // The background loops run once at start-up, then not again during a test: the test drives them.
    private readonly AppServer _server = new(new() { ["GITOPS_SWEEP_INTERVAL"] = "1d" }, postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task History_has_one_event_per_change_and_none_per_heartbeat()
    {
        var t = AppServer.Start.AddMinutes(-9);
        string[] posts =
        [
            Reports.Synced("infra/rsyslog", "web-1", t, revision: "r1"),
            Reports.Synced("infra/rsyslog", "web-1", t.AddMinutes(1), revision: "r1"), // heartbeat
            Reports.Synced("infra/rsyslog", "web-1", t.AddMinutes(2), revision: "r1"), // heartbeat
            WithRevision(Reports.Drifted("infra/rsyslog", "web-1", t.AddMinutes(3), "a.conf"), "r1"),
            WithRevision(Reports.Drifted("infra/rsyslog", "web-1", t.AddMinutes(4), "a.conf"), "r1"), // heartbeat
            WithRevision(Reports.Drifted("infra/rsyslog", "web-1", t.AddMinutes(5), "a.conf", "b.conf"), "r1"),
            Reports.Synced("infra/rsyslog", "web-1", t.AddMinutes(6), revision: "r2"),
        ];
        var recorded = new List<bool>();
        foreach (var json in posts)
            recorded.Add((await (await _server.PostJson(json)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("history_event").GetBoolean());

        var history = await _server.GetJson("/api/history/web-1/infra/rsyslog");

        Assert.Equal([true, false, false, true, false, true, true], recorded);
        var events = history.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["status,files,revision", "files", "status,files", "first"], events.Select(e => string.Join(',', e.GetProperty("changes").EnumerateArray().Select(c => c.GetString()))));
        Assert.Equal(["OUT_OF_SYNC", "OUT_OF_SYNC", "SYNCED", null], events.Select(e => e.GetProperty("from_status").GetString()));
        Assert.Equal(["SYNCED", "OUT_OF_SYNC", "OUT_OF_SYNC", "SYNCED"], events.Select(e => e.GetProperty("to_status").GetString()));
        Assert.Equal("2026-04-21T10:28:00.000Z", events[0].GetProperty("at").GetString());
        Assert.Equal("a.conf, b.conf", events[1].GetProperty("files").GetString());
        Assert.Equal("r1", events[0].GetProperty("from_revision").GetString());
        Assert.Equal("r2", events[0].GetProperty("revision").GetString());
    }

    private static string WithRevision(string json, string revision) => json[..^1] + $",\"revision\":\"{revision}\"}}";

    // The next cursor is read before the page's events stream: a page that ends at the oldest event has none.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Following_next_links_gives_every_event_once_and_ends_on_the_oldest(int limit)
    {
        var t = AppServer.Start.AddMinutes(-20);
        for (var i = 0; i < 4; i++)
            await _server.PostJson(Reports.Synced("r", "s", t.AddMinutes(i), revision: $"rev{i}"));

        var revisions = new List<string?>();
        var pages = 0;
        for (string? next = $"/api/history/s/r?limit={limit}"; next is not null && pages < 10; pages++)
        {
            var page = await _server.GetJson(next);
            revisions.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("revision").GetString()));
            next = page.GetProperty("next").GetString();
        }

        Assert.Equal(["rev3", "rev2", "rev1", "rev0"], revisions);
        Assert.Equal((4 + limit - 1) / limit, pages);
    }

    [Fact]
    public async Task History_pages_newest_first_with_a_next_link()
    {
        var t = AppServer.Start.AddMinutes(-20);
        for (var i = 0; i < 5; i++)
            await _server.PostJson(Reports.Synced("r", "s", t.AddMinutes(i), revision: $"rev{i}"));

        var first = await _server.GetJson("/api/history/s/r?limit=2");
        var second = await _server.GetJson(first.GetProperty("next").GetString()!);
        var third = await _server.GetJson(second.GetProperty("next").GetString()!);

        Assert.Equal(["rev4", "rev3", "rev2", "rev1", "rev0"],
            new[] { first, second, third }.SelectMany(p => p.GetProperty("events").EnumerateArray()).Select(e => e.GetProperty("revision").GetString()));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Going_stale_and_coming_back_are_history_events_written_by_the_sweep_and_the_next_report()
    {
        await _server.PostJson(Reports.Synced("r", "s", AppServer.Start, interval: 60));
        _server.Clock.Advance(TimeSpan.FromMinutes(4));

        await _server.Services.GetRequiredService<StaleSweep>().RunOnceAsync();
        await _server.Services.GetRequiredService<StaleSweep>().RunOnceAsync(); // a second sweep finds nothing new
        await _server.PostJson(Reports.Synced("r", "s", _server.Clock.GetUtcNow(), interval: 60));

        var events = (await _server.GetJson("/api/history/s/r")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(3, events.Count);
        Assert.Equal(("STALE", "SYNCED", "2026-04-21T10:35:00.000Z"), (events[0].GetProperty("from_status").GetString(), events[0].GetProperty("to_status").GetString(), events[0].GetProperty("at").GetString()));
        Assert.Equal(("SYNCED", "STALE", "2026-04-21T10:34:00.000Z"), (events[1].GetProperty("from_status").GetString(), events[1].GetProperty("to_status").GetString(), events[1].GetProperty("at").GetString()));
        var row = (await _server.StatusJson())[0];
        Assert.Equal("SYNCED", row.GetProperty("sync_status").GetString());
        Assert.Equal("2026-04-21T10:35:00.000Z", row.GetProperty("status_since").GetString());
    }

    [Fact]
    public async Task Events_older_than_the_retention_are_pruned_in_batches()
    {
        var old = AppServer.Start.AddDays(-100);
        var targets = Enumerable.Range(0, HistoryPruner.BatchSize + 50).ToList();
        foreach (var chunk in targets.Chunk(50))
            await Task.WhenAll(chunk.Select(i => _server.PostJson(Reports.Synced("old", $"s-{i}", old))));
        await _server.PostJson(Reports.Synced("keep", "s", AppServer.Start.AddDays(-100)));
        await _server.PostJson(Reports.Drifted("keep", "s", AppServer.Start.AddDays(-89), "a.conf"));

        var pruned = await _server.Services.GetRequiredService<HistoryPruner>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(HistoryPruner.BatchSize + 51, pruned);
        var kept = (await _server.GetJson("/api/history/s/keep")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal("OUT_OF_SYNC", Assert.Single(kept).GetProperty("to_status").GetString());
        Assert.Empty((await _server.GetJson("/api/history/s-0/old")).GetProperty("events").EnumerateArray());
        Assert.Equal(targets.Count + 1, (await _server.GetJson("/api/targets")).GetProperty("total").GetInt32());
    }
}

public sealed class HistoryTestsOnSqlite() : HistoryTests(null)
{
}

public sealed class HistoryTestsOnPostgres(PostgresCluster postgres) : HistoryTests(postgres)
{
}
