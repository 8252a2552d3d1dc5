using GitOpsStatus.Server.Notifications;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsStatus.Server.Tests;

/// <summary>Flapping and GITOPS_NOTIFY_AFTER through the real app and a real webhook receiver, on both stores
/// (<see cref="FlappingTestsOnSqlite"/>, <see cref="FlappingTestsOnPostgres"/>). The tests run the sweep themselves.</summary>
public abstract class FlappingTests(PostgresCluster? postgres) : IDisposable
{
    private readonly WebhookListener _listener = new();
    private readonly List<AppServer> _servers = [];

    public void Dispose()
    {
        foreach (var server in _servers)
            server.Dispose();
        _listener.Dispose();
        GC.SuppressFinalize(this);
    }

    private AppServer Server(string? notifyAfter = null)
    {
        var settings = new Dictionary<string, string> { ["GITOPS_WEBHOOK_URLS"] = _listener.Url, ["GITOPS_SWEEP_INTERVAL"] = "1d" };
        if (notifyAfter is not null)
            settings["GITOPS_NOTIFY_AFTER"] = notifyAfter;
        var server = new AppServer(settings, postgres: postgres);
        _servers.Add(server);
        return server;
    }

    /// <summary>A report checked now by the server's clock: OUT_OF_SYNC or SYNCED, fresh for an hour.</summary>
    private static async Task Report(AppServer server, bool drifted)
    {
        using var response = await server.PostJson(drifted
            ? Reports.Drifted("infra/app", "web-1", server.Clock.GetUtcNow(), 3600, "app.conf")
            : Reports.Synced("infra/app", "web-1", server.Clock.GetUtcNow(), interval: 3600));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task Sweep(AppServer server) => await server.Services.GetRequiredService<StaleSweep>().RunOnceAsync();

    private static async Task WaitUntilOutboxIsEmpty(AppServer server)
    {
        var store = server.Services.GetRequiredService<IStatusStore>();
        for (var i = 0; i < 200 && await store.CountPendingNotificationsAsync(CancellationToken.None) > 0; i++)
            await Task.Delay(50);
        Assert.Equal(0, await store.CountPendingNotificationsAsync(CancellationToken.None));
    }

    private List<string?> Events() => _listener.Delivered.Select(d => d.Json.GetProperty("event").GetString()).ToList();

    [Fact]
    public async Task A_hundred_changes_in_two_minutes_send_at_most_eight_notifications_show_flapping_and_settle_with_one_event()
    {
        var server = Server();
        await Report(server, drifted: false); // a green newcomer: no news

        for (var i = 1; i <= 100; i++)
        {
            server.Clock.Advance(TimeSpan.FromSeconds(1.2));
            await Report(server, drifted: i % 2 == 1);
        }
        await Sweep(server); // within the window: still flapping, nothing sent
        await WaitUntilOutboxIsEmpty(server);
        var whileFlapping = Events();
        var row = Assert.Single((await server.StatusJson()).EnumerateArray());
        var metrics = await server.Client.GetStringAsync("/metrics");

        server.Clock.Advance(TimeSpan.FromMinutes(30));
        await Sweep(server);
        await Sweep(server);
        await WaitUntilOutboxIsEmpty(server);
        var settled = _listener.Delivered[^1].Json;

        Assert.InRange(whileFlapping.Count, 1, 8);
        Assert.Equal([.. Enumerable.Repeat<string?>("transition", 3).SelectMany(e => new[] { e, "recovery" }), "flapping"], whileFlapping);
        Assert.True(row.GetProperty("flapping").GetBoolean());
        Assert.Equal("SYNCED", row.GetProperty("sync_status").GetString()); // never a lie: the status is the last report's
        Assert.Contains("gitops_status_flapping{repo=\"infra/app\",server=\"web-1\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Equal(0, await AcknowledgementTests.CheckMetrics(metrics));
        Assert.Equal(whileFlapping.Count + 1, _listener.Delivered.Count);
        Assert.Equal(("settled", "SYNCED"), (settled.GetProperty("event").GetString(), settled.GetProperty("to").GetString()));
        Assert.False(Assert.Single((await server.StatusJson()).EnumerateArray()).GetProperty("flapping").GetBoolean());
        Assert.Contains("gitops_status_flapping{repo=\"infra/app\",server=\"web-1\"} 0\n", await server.Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_notify_after_a_twenty_second_blip_sends_nothing_and_a_lasting_change_sends_exactly_one()
    {
        var server = Server(notifyAfter: "1m");
        await Report(server, drifted: false);
        server.Clock.Advance(TimeSpan.FromSeconds(10));
        await Report(server, drifted: true);
        server.Clock.Advance(TimeSpan.FromSeconds(20));
        await Report(server, drifted: false); // back within the minute: a blip
        server.Clock.Advance(TimeSpan.FromMinutes(2));
        await Sweep(server);
        await WaitUntilOutboxIsEmpty(server);
        var afterBlip = _listener.Received.Count;

        await Report(server, drifted: true);
        server.Clock.Advance(TimeSpan.FromSeconds(30));
        await Report(server, drifted: true); // a heartbeat: the change holds
        await Sweep(server);
        await WaitUntilOutboxIsEmpty(server);
        var beforeDelay = _listener.Received.Count;
        server.Clock.Advance(TimeSpan.FromSeconds(31));
        await Sweep(server);
        await Sweep(server);
        await _listener.WaitUntil(l => l.Delivered.Count >= 1);
        await WaitUntilOutboxIsEmpty(server);

        Assert.Equal(0, afterBlip);
        Assert.Equal(0, beforeDelay);
        var sent = Assert.Single(_listener.Delivered).Json;
        Assert.Equal(("transition", "SYNCED", "OUT_OF_SYNC"), (sent.GetProperty("event").GetString(), sent.GetProperty("from").GetString(), sent.GetProperty("to").GetString()));
        Assert.Equal(["app.conf"], sent.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
    }
}

public sealed class FlappingTestsOnSqlite() : FlappingTests(null);

public sealed class FlappingTestsOnPostgres(PostgresCluster postgres) : FlappingTests(postgres);

/// <summary>Two replicas on one PostgreSQL database with GITOPS_NOTIFY_AFTER, both sweeping when the delayed notifications come due.</summary>
public sealed class NotifyAfterReplicaTests(PostgresCluster cluster) : IDisposable
{
    private readonly (string Name, string ConnectionString) _database = cluster.CreateDatabase();
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = new(AppServer.Start);
    private readonly WebhookListener _listener = new();
    private readonly List<AppServer> _replicas = [];

    public void Dispose()
    {
        foreach (var replica in _replicas)
            replica.Dispose();
        _listener.Dispose();
        cluster.DropDatabase(_database.Name);
    }

    private AppServer Replica()
    {
        var replica = new AppServer(new() { ["GITOPS_WEBHOOK_URLS"] = _listener.Url, ["GITOPS_SWEEP_INTERVAL"] = "1d", ["GITOPS_NOTIFY_AFTER"] = "1m" },
            clock: _clock, database: _database.ConnectionString);
        _replicas.Add(replica);
        return replica;
    }

    [Fact]
    public async Task A_delayed_notification_seen_by_two_replicas_sweeping_at_once_is_sent_exactly_once()
    {
        var (a, b) = (Replica(), Replica());
        foreach (var i in Enumerable.Range(0, 10))
        {
            await (i % 2 == 0 ? a : b).PostJson(Reports.Synced("fleet", $"s-{i}", AppServer.Start, interval: 3600));
            await (i % 2 == 0 ? b : a).PostJson(Reports.Drifted("fleet", $"s-{i}", AppServer.Start.AddSeconds(1), 3600, "a.conf"));
        }
        _clock.Advance(TimeSpan.FromMinutes(2));

        await Task.WhenAll(new[] { a, b, a, b }.Select(r => Task.Run(() => r.Services.GetRequiredService<StaleSweep>().RunOnceAsync())));
        await _listener.WaitUntil(l => l.Delivered.Count >= 10);
        var store = a.Services.GetRequiredService<IStatusStore>();
        for (var i = 0; i < 100 && await store.CountPendingNotificationsAsync(CancellationToken.None) > 0; i++)
            await Task.Delay(50);
        await Task.WhenAll(new[] { a, b }.Select(r => Task.Run(() => r.Services.GetRequiredService<StaleSweep>().RunOnceAsync())));

        Assert.Equal(0, await store.CountPendingNotificationsAsync(CancellationToken.None));
        Assert.Equal(10, _listener.Delivered.Count);
        Assert.Equal(10, _listener.Delivered.Select(d => d.Json.GetProperty("server").GetString()).Distinct().Count());
        Assert.All(_listener.Delivered, d => Assert.Equal(("transition", "SYNCED", "OUT_OF_SYNC"),
            (d.Json.GetProperty("event").GetString(), d.Json.GetProperty("from").GetString(), d.Json.GetProperty("to").GetString())));
    }
}
