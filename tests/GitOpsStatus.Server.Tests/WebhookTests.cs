using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="WebhookTestsOnSqlite"/> and <see cref="WebhookTestsOnPostgres"/>.</summary>
public abstract class WebhookTests : IDisposable
{
    private readonly WebhookListener _listener = new(failFirst: 2);
    private readonly AppServer _server;

    protected WebhookTests(PostgresCluster? postgres) => _server = new(new()
    {
        ["GITOPS_WEBHOOK_URLS"] = $"{_listener.Url}/generic, slack+{_listener.Url}/slack",
        ["GITOPS_PUBLIC_URL"] = "https://status.example.org/",
        ["GITOPS_SWEEP_INTERVAL"] = "0.1s",
    }, postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        _listener.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Each_transition_is_delivered_once_to_each_url_after_retries()
    {
        var t = AppServer.Start;
        await _server.PostJson(Reports.Synced("infra/rsyslog", "web-1", t, interval: 3600)); // a green newcomer: no news
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "web-1", t.AddSeconds(10), 3600, "rsyslog.conf", "rsyslog.d/30-lab.conf"));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "web-1", t.AddSeconds(20), 3600, "rsyslog.conf", "rsyslog.d/30-lab.conf")); // heartbeat

        // Retries are due by the server's clock: move it on (by less than the stale limit) while waiting.
        await _listener.WaitUntil(l => l.Delivered.Count == 2, () => _server.Clock.Advance(TimeSpan.FromSeconds(15)));
        await _server.PostJson(Reports.Synced("infra/rsyslog", "web-1", _server.Clock.GetUtcNow(), interval: 3600));
        // The dispatcher may be in a backoff timed by the server's clock: keep it moving, far below the stale limit.
        await _listener.WaitUntil(l => l.Delivered.Count == 4, () => _server.Clock.Advance(TimeSpan.FromSeconds(1)));
        await WaitUntilOutboxIsEmpty();

        Assert.Equal(2, _listener.Received.Count(d => d.Answered == 500));
        var generic = _listener.Delivered.Where(d => d.Path == "/generic").Select(d => d.Json).ToList();
        Assert.Equal(2, generic.Count);
        Assert.Equal(("transition", "SYNCED", "OUT_OF_SYNC"), (generic[0].GetProperty("event").GetString(), generic[0].GetProperty("from").GetString(), generic[0].GetProperty("to").GetString()));
        Assert.Equal(["rsyslog.conf", "rsyslog.d/30-lab.conf"], generic[0].GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("infra/rsyslog", generic[0].GetProperty("repo").GetString());
        Assert.Equal("web-1", generic[0].GetProperty("server").GetString());
        Assert.Equal("2026-04-21T10:31:10.000Z", generic[0].GetProperty("at").GetString());
        Assert.Equal("https://status.example.org/targets/web-1/infra/rsyslog", generic[0].GetProperty("url").GetString());
        Assert.Equal(("recovery", "OUT_OF_SYNC", "SYNCED"), (generic[1].GetProperty("event").GetString(), generic[1].GetProperty("from").GetString(), generic[1].GetProperty("to").GetString()));
        var slack = _listener.Delivered.Where(d => d.Path == "/slack").Select(d => d.Json.GetProperty("text").GetString()!).ToList();
        Assert.Equal(2, slack.Count);
        Assert.Contains("*infra/rsyslog* on *web-1* went SYNCED → OUT_OF_SYNC: rsyslog.conf, rsyslog.d/30-lab.conf", slack[0], StringComparison.Ordinal);
        Assert.Contains("is back in sync", slack[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sweep_announces_a_target_gone_stale_and_its_recovery()
    {
        await _server.PostJson(Reports.Synced("nginx", "web-2", AppServer.Start, interval: 60));
        _server.Clock.Advance(TimeSpan.FromMinutes(4)); // past 3 × 60 s: nobody reads, the background sweep notices

        await _listener.WaitUntil(l => l.Delivered.Count == 2, () => _server.Clock.Advance(TimeSpan.FromSeconds(1)));
        await _server.PostJson(Reports.Synced("nginx", "web-2", _server.Clock.GetUtcNow(), interval: 60));
        await _listener.WaitUntil(l => l.Delivered.Count == 4);
        await WaitUntilOutboxIsEmpty();

        var generic = _listener.Delivered.Where(d => d.Path == "/generic").Select(d => d.Json).ToList();
        Assert.Equal(2, generic.Count);
        Assert.Equal(("transition", "SYNCED", "STALE"), (generic[0].GetProperty("event").GetString(), generic[0].GetProperty("from").GetString(), generic[0].GetProperty("to").GetString()));
        Assert.Equal("2026-04-21T10:34:00.000Z", generic[0].GetProperty("at").GetString());
        Assert.Equal(("recovery", "STALE", "SYNCED"), (generic[1].GetProperty("event").GetString(), generic[1].GetProperty("from").GetString(), generic[1].GetProperty("to").GetString()));
    }

    [Fact]
    public async Task Slack_tells_stale_from_unknown_and_every_request_names_the_server_in_its_user_agent()
    {
        await _server.PostJson(Reports.Synced("nginx", "web-3", AppServer.Start, interval: 60));
        await _server.PostJson(System.Text.Json.JsonSerializer.Serialize(new
        {
            repo = "nginx",
            server = "web-4",
            sync_status = "UNKNOWN",
            drift_count = 0,
            last_check = AppServer.Start.ToString("O"),
            error = "ssh: connect to host web-4 port 22: Connection refused",
            interval_seconds = 3600,
        }));
        _server.Clock.Advance(TimeSpan.FromMinutes(4)); // web-3 goes STALE
        await _listener.WaitUntil(l => l.Delivered.Count(d => d.Path == "/slack") == 2, () => _server.Clock.Advance(TimeSpan.FromSeconds(1)));

        var slack = _listener.Delivered.Where(d => d.Path == "/slack").Select(d => d.Json.GetProperty("text").GetString()!).ToList();
        var stale = Assert.Single(slack, text => text.Contains("*web-3*", StringComparison.Ordinal));
        var unknown = Assert.Single(slack, text => text.Contains("*web-4*", StringComparison.Ordinal));
        Assert.NotEqual(stale.Split(' ')[0], unknown.Split(' ')[0]);
        Assert.StartsWith(":", unknown, StringComparison.Ordinal);
        Assert.All(_listener.Received, d => Assert.Matches(@"^gitops-status/\d+\.\d+\.\d+", d.UserAgent ?? ""));
    }

    [Fact]
    public async Task An_unknown_target_is_announced_with_its_error_also_on_a_database_from_before_the_error_was_kept()
    {
        await _server.PostJson(Reports.Synced("nginx", "web-5", AppServer.Start, interval: 3600));
        _server.Restart(ToSchemaWithoutOutboxError); // the server migrates it again at start-up

        const string Error = "ssh: connect to host web-5 port 22: Connection refused <publickey>";
        await _server.PostJson(System.Text.Json.JsonSerializer.Serialize(new
        {
            repo = "nginx",
            server = "web-5",
            sync_status = "UNKNOWN",
            drift_count = 0,
            last_check = AppServer.Start.AddSeconds(10).ToString("O"),
            error = Error,
            interval_seconds = 3600,
        }));
        await _listener.WaitUntil(l => l.Delivered.Count == 2, () => _server.Clock.Advance(TimeSpan.FromSeconds(15)));

        var generic = Assert.Single(_listener.Delivered, d => d.Path == "/generic").Json;
        Assert.Equal(("SYNCED", "UNKNOWN"), (generic.GetProperty("from").GetString(), generic.GetProperty("to").GetString()));
        Assert.Equal(Error, generic.GetProperty("error").GetString());
        var slack = Assert.Single(_listener.Delivered, d => d.Path == "/slack").Json.GetProperty("text").GetString()!;
        Assert.Contains("went SYNCED → UNKNOWN: ssh: connect to host web-5 port 22: Connection refused &lt;publickey&gt;", slack, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transition_without_an_error_says_error_null()
    {
        await _server.PostJson(Reports.Synced("nginx", "web-6", AppServer.Start, interval: 3600));
        await _server.PostJson(Reports.Drifted("nginx", "web-6", AppServer.Start.AddSeconds(10), 3600, "nginx.conf"));
        await _listener.WaitUntil(l => l.Delivered.Count == 2, () => _server.Clock.Advance(TimeSpan.FromSeconds(15)));

        var generic = Assert.Single(_listener.Delivered, d => d.Path == "/generic").Json;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, generic.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task A_transition_carries_the_reports_detection_and_the_targets_cause()
    {
        await _server.PostJson(Reports.Synced("nginx", "web-7", AppServer.Start, interval: 3600));
        await _server.PostJson(Reports.WithOrigin("nginx", "web-7", AppServer.Start.AddSeconds(10)));
        await _listener.WaitUntil(l => l.Delivered.Count == 2, () => _server.Clock.Advance(TimeSpan.FromSeconds(15)));

        var generic = Assert.Single(_listener.Delivered, d => d.Path == "/generic").Json;
        Assert.Equal(("degraded", "edited"), (generic.GetProperty("detection").GetString(), generic.GetProperty("cause").GetString()));
        var slack = Assert.Single(_listener.Delivered, d => d.Path == "/slack").Json.GetProperty("text").GetString()!;
        Assert.Contains("edited by hand", slack, StringComparison.Ordinal);
        Assert.Contains("(agent detection degraded)", slack, StringComparison.Ordinal);
    }

    /// <summary>Takes the stopped server's database back to the schema before the outbox kept the error, as an older server left it.</summary>
    /// <summary>What the acknowledgements migration (after the outbox error one) added, undone so that both run again.</summary>
    private const string UndoAcknowledgements = """
        DROP TABLE acks; DROP INDEX targets_ack_until; ALTER TABLE targets DROP COLUMN ack_key; ALTER TABLE targets DROP COLUMN ack_reason;
        ALTER TABLE targets DROP COLUMN ack_by; ALTER TABLE targets DROP COLUMN ack_until
        """;

    /// <summary>Migration 6 (flapping and the debounce), undone on both stores.</summary>
    private const string UndoNotices = """
        DROP INDEX targets_flapping; DROP INDEX targets_notify_due; ALTER TABLE targets DROP COLUMN flap_times;
        ALTER TABLE targets DROP COLUMN flapping_since; ALTER TABLE targets DROP COLUMN notify_due; ALTER TABLE targets DROP COLUMN notify_from
        """;

    /// <summary>Migrations 7 (drift age and recurrence) and 8 (acknowledgement events), undone on both stores.</summary>
    private const string UndoDriftAge = """
        DROP TABLE file_drift_starts; ALTER TABLE targets DROP COLUMN drift_files; ALTER TABLE targets DROP COLUMN file_starts;
        ALTER TABLE targets DROP COLUMN drift_since; ALTER TABLE targets DROP COLUMN drift_starts;
        ALTER TABLE events DROP COLUMN ack_by; ALTER TABLE events DROP COLUMN ack_reason; ALTER TABLE events DROP COLUMN ack_until; ALTER TABLE events DROP COLUMN ack_end_reason
        """;

    /// <summary>Back to the schema before the outbox error column (SQLite version 2, PostgreSQL 1): that column and what later migrations added go.</summary>
    private void ToSchemaWithoutOutboxError()
    {
        if (_server.Database is { } postgres)
        {
            using var connection = new Npgsql.NpgsqlConnection(postgres);
            connection.Open();
            // Migration 2 added the error; later ones (acknowledgements; detection and cause; flapping; drift age) are undone too, as that older server never had them.
            using var command = new Npgsql.NpgsqlCommand("ALTER TABLE outbox DROP COLUMN error, DROP COLUMN detection, DROP COLUMN cause; " + UndoDriftAge + "; " + UndoNotices + "; ALTER TABLE targets DROP COLUMN last_notice; " + UndoAcknowledgements
                + "; ALTER TABLE targets DROP COLUMN ack_id, DROP COLUMN content_key, DROP COLUMN last_ack_id, DROP COLUMN last_ack_end, "
                + "DROP COLUMN detection, DROP COLUMN detection_error, DROP COLUMN cause; DELETE FROM schema_version WHERE version >= 2", connection);
            command.ExecuteNonQuery();
            return;
        }
        using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_server.DataDir, "gitops-status.db")};Pooling=false");
        sqlite.Open();
        using var alter = sqlite.CreateCommand();
        // Migration 3 added the error; later ones (acknowledgements; detection and cause; flapping; drift age) are undone too, as that older server never had them.
        alter.CommandText = $"ALTER TABLE outbox DROP COLUMN error; ALTER TABLE outbox DROP COLUMN detection; ALTER TABLE outbox DROP COLUMN cause; {UndoDriftAge}; {UndoNotices}; {UndoAcknowledgements}; "
            + "ALTER TABLE targets DROP COLUMN ack_id; ALTER TABLE targets DROP COLUMN detection; ALTER TABLE targets DROP COLUMN detection_error; "
            + "ALTER TABLE targets DROP COLUMN cause; PRAGMA user_version = 2";
        alter.ExecuteNonQuery();
    }

    /// <summary>Every outbox row is sent or abandoned: nothing more can arrive.</summary>
    private async Task WaitUntilOutboxIsEmpty()
    {
        var store = _server.Services.GetRequiredService<Storage.IStatusStore>();
        for (var i = 0; i < 200; i++)
        {
            if (await store.CountPendingNotificationsAsync(CancellationToken.None) == 0)
                return;
            _server.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }
        Assert.Fail("the outbox did not drain");
    }
}

public sealed class WebhookTestsOnSqlite() : WebhookTests(null)
{
}

public sealed class WebhookTestsOnPostgres(PostgresCluster postgres) : WebhookTests(postgres)
{
}

/// <summary>Runs on both stores: <see cref="ReminderTestsOnSqlite"/> and <see cref="ReminderTestsOnPostgres"/>.</summary>
public abstract class ReminderTests : IDisposable
{
    private readonly WebhookListener _listener = new();
    private readonly AppServer _server;

    protected ReminderTests(PostgresCluster? postgres) => _server = new(new()
    {
        ["GITOPS_WEBHOOK_URLS"] = _listener.Url,
        ["GITOPS_REMIND_AFTER"] = "1h",
        ["GITOPS_SWEEP_INTERVAL"] = "0.1s",
    }, postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        _listener.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_target_left_out_of_sync_is_reminded_after_the_interval()
    {
        await _server.PostJson(Reports.Drifted("r", "s", AppServer.Start, 86400, "a.conf"));
        await _listener.WaitUntil(l => l.Delivered.Count == 1);

        _server.Clock.Advance(TimeSpan.FromMinutes(61));
        await _listener.WaitUntil(l => l.Delivered.Count == 2);

        var events = _listener.Delivered.Select(d => d.Json.GetProperty("event").GetString()).ToList();
        Assert.Equal(["transition", "reminder"], events);
        Assert.Equal("OUT_OF_SYNC", _listener.Delivered[1].Json.GetProperty("to").GetString());
    }
}

public sealed class ReminderTestsOnSqlite() : ReminderTests(null)
{
}

public sealed class ReminderTestsOnPostgres(PostgresCluster postgres) : ReminderTests(postgres)
{
}
