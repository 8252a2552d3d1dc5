using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Server.Notifications;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Server.Tests.Postgres;

/// <summary>Two server instances (two apps, two pools, two writers) on one PostgreSQL database.</summary>
public sealed class ReplicaTests(PostgresCluster cluster) : IDisposable
{
    private readonly (string Name, string ConnectionString) _database = cluster.CreateDatabase();
    private readonly FakeTimeProvider _clock = new(AppServer.Start);
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
            owned.Dispose();
        cluster.DropDatabase(_database.Name);
    }

    private AppServer Replica(Dictionary<string, string>? settings = null)
    {
        var server = new AppServer(settings, clock: _clock, database: _database.ConnectionString);
        _owned.Add(server);
        return server;
    }

    [Fact]
    public async Task Writes_through_one_replica_are_read_through_the_other()
    {
        var (a, b) = (Replica(), Replica());
        var t = AppServer.Start.AddMinutes(-2);

        await a.PostJson(Reports.Drifted("infra/rsyslog", "web-1", t, "rsyslog.conf"));
        var seenByB = Assert.Single((await b.StatusJson()).EnumerateArray());
        await b.PostJson(Reports.Synced("infra/rsyslog", "web-1", t.AddMinutes(1)));
        var history = (await a.GetJson("/api/history/web-1/infra/rsyslog")).GetProperty("events").EnumerateArray().ToList();
        var deleted = await b.Send(HttpMethod.Delete, "/api/targets/web-1/infra/rsyslog");

        Assert.Equal(("OUT_OF_SYNC", "rsyslog.conf"), (seenByB.GetProperty("sync_status").GetString(), seenByB.GetProperty("files").GetString()));
        Assert.Equal(["SYNCED", "OUT_OF_SYNC"], history.Select(e => e.GetProperty("to_status").GetString()));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await a.Client.GetAsync("/api/targets/web-1/infra/rsyslog")).StatusCode);
    }

    [Fact]
    public async Task A_thousand_concurrent_reports_to_ten_targets_on_two_replicas_keep_the_newest_and_one_event_per_change()
    {
        var replicas = new[] { Replica(), Replica() };
        var t0 = AppServer.Start.AddHours(-1);
        var random = new Random(8);
        // Report i is for target i % 10, i seconds after t0; its content changes every 10 reports so
        // that whichever order they land in, some are changes and some heartbeats.
        var reports = Enumerable.Range(0, 1000).Select(i => (Target: $"s-{i % 10}", At: t0.AddSeconds(i), Json: (i / 10 % 3) switch
        {
            0 => Reports.Synced("race", $"s-{i % 10}", t0.AddSeconds(i), interval: 3600),
            1 => Reports.Drifted("race", $"s-{i % 10}", t0.AddSeconds(i), 3600, "a.conf"),
            _ => Reports.Drifted("race", $"s-{i % 10}", t0.AddSeconds(i), 3600, "a.conf", "b.conf"),
        })).OrderBy(_ => random.Next()).ToList();

        var answers = await Task.WhenAll(reports.Select(async (r, n) =>
        {
            var response = await replicas[n % 2].PostJson(r.Json);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (r.Target, r.At, response.StatusCode, Event: response.IsSuccessStatusCode && body.GetProperty("history_event").GetBoolean());
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var rows = (await replicas[0].StatusJson("?repo=race")).EnumerateArray().ToList();
        Assert.Equal(10, rows.Count);
        foreach (var row in rows)
        {
            var target = row.GetProperty("server").GetString()!;
            var newest = reports.Where(r => r.Target == target).MaxBy(r => r.At);
            Assert.Equal(newest.At, DateTimeOffset.Parse(row.GetProperty("last_check").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(JsonDocument.Parse(newest.Json).RootElement.GetProperty("sync_status").GetString(), row.GetProperty("sync_status").GetString());

            var events = (await replicas[1].GetJson($"/api/history/{target}/race?limit=1000")).GetProperty("events").EnumerateArray().Reverse().ToList();
            // Exactly the events the replicas said they recorded: none twice, none lost.
            Assert.Equal(answers.Count(a => a.Target == target && a.Event), events.Count);
            Assert.Equal("first", events[0].GetProperty("changes")[0].GetString());
            for (var i = 1; i < events.Count; i++)
            {
                var (before, after) = (events[i - 1], events[i]);
                Assert.Equal(before.GetProperty("to_status").GetString(), after.GetProperty("from_status").GetString());
                Assert.True(string.CompareOrdinal(before.GetProperty("at").GetString(), after.GetProperty("at").GetString()) < 0, $"{target}: events out of order");
                Assert.True(before.GetProperty("to_status").GetString() != after.GetProperty("to_status").GetString()
                    || before.GetProperty("files").GetString() != after.GetProperty("files").GetString(), $"{target}: an event without a change");
            }
            Assert.Equal(row.GetProperty("files").GetString(), events[^1].GetProperty("files").GetString());
        }
    }

    [Fact]
    public async Task Two_replicas_sweeping_at_once_announce_each_stale_target_once()
    {
        using var listener = new WebhookListener();
        var settings = new Dictionary<string, string> { ["GITOPS_WEBHOOK_URLS"] = listener.Url, ["GITOPS_SWEEP_INTERVAL"] = "1d" };
        var (a, b) = (Replica(settings), Replica(settings));
        foreach (var i in Enumerable.Range(0, 20))
            await (i % 2 == 0 ? a : b).PostJson(Reports.Synced("fleet", $"s-{i}", AppServer.Start, interval: 60)); // green newcomers: no news
        _clock.Advance(TimeSpan.FromMinutes(4));

        var sweeps = new[] { a, b, a, b }.Select(r => Task.Run(() => r.Services.GetRequiredService<StaleSweep>().RunOnceAsync()));
        await Task.WhenAll(sweeps);
        await listener.WaitUntil(l => l.Delivered.Count >= 20);
        var store = a.Services.GetRequiredService<IStatusStore>();
        for (var i = 0; i < 100 && await store.CountPendingNotificationsAsync(CancellationToken.None) > 0; i++)
            await Task.Delay(50);

        Assert.Equal(0, await store.CountPendingNotificationsAsync(CancellationToken.None));
        Assert.Equal(20, listener.Delivered.Count);
        Assert.Equal(20, listener.Delivered.Select(d => d.Json.GetProperty("server").GetString()).Distinct().Count());
        Assert.All(listener.Delivered, d => Assert.Equal("STALE", d.Json.GetProperty("to").GetString()));
        var events = (await b.GetJson("/api/history/s-7/fleet")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["STALE", "SYNCED"], events.Select(e => e.GetProperty("to_status").GetString()));
    }

    [Fact]
    public async Task Replicas_starting_together_on_an_empty_database_migrate_it_once()
    {
        var connection = PostgresConnection.Parse(_database.ConnectionString);

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new PostgresStore(connection, new ServerOptions()))));

        try
        {
            Assert.All(await Task.WhenAll(stores.Select(s => s.PingAsync(CancellationToken.None))), Assert.True);
            Assert.Equal((long)PostgresSchema.LatestVersion, cluster.Scalar(_database.Name, "SELECT count(*) FROM schema_version")); // each migration applied once
            Assert.Equal(3L, cluster.Scalar(_database.Name, "SELECT count(*) FROM pg_tables WHERE tablename IN ('targets', 'events', 'outbox')"));
        }
        finally
        {
            foreach (var store in stores)
                store.Dispose();
        }
    }
}
