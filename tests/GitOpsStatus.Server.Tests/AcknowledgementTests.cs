using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Server.Notifications;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsStatus.Server.Tests;

/// <summary>Acknowledgements through the real app, on both stores (<see cref="AcknowledgementTestsOnSqlite"/>, <see cref="AcknowledgementTestsOnPostgres"/>).</summary>
public abstract class AcknowledgementTests : IDisposable
{
    private const string Route = "/api/acknowledgements/web-1/infra/rsyslog";
    private readonly WebhookListener _listener = new();
    private readonly AppServer _server;

    protected AcknowledgementTests(PostgresCluster? postgres) => _server = new(new()
    {
        ["GITOPS_WEBHOOK_URLS"] = $"{_listener.Url}/generic",
        ["GITOPS_SWEEP_INTERVAL"] = "1d", // the test runs the sweep itself
    }, postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        _listener.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A drifted report whose files carry their actual content's hash.</summary>
    internal static string Drifted(DateTimeOffset at, params (string Name, string Sha)[] files) => JsonSerializer.Serialize(new
    {
        repo = "infra/rsyslog",
        server = "web-1",
        sync_status = "OUT_OF_SYNC",
        drift_count = files.Length,
        files = files.Select(f => new { name = f.Name, change = "modified", actual_sha256 = f.Sha, expected_sha256 = new string('0', 64) }),
        last_check = at.ToString("O"),
        interval_seconds = 3600,
    });

    private static readonly string ShaA = new('a', 64);
    private static readonly string ShaB = new('b', 64);

    private Task<HttpResponseMessage> Acknowledge(string reason = "incident hotfix, kept until Friday's deploy", string? until = "2026-04-25", string? token = null) =>
        _server.Send(HttpMethod.Post, Route, token, JsonSerializer.Serialize(new { reason, until }));

    private async Task<JsonElement> Row() => Assert.Single((await _server.StatusJson()).EnumerateArray());

    [Fact]
    public async Task An_acknowledged_target_stays_out_of_sync_and_shows_acknowledged_everywhere()
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));

        var created = await Acknowledge();
        await _server.PostJson(Drifted(AppServer.Start.AddMinutes(1), ("rsyslog.conf", ShaA))); // a heartbeat: same content
        var row = await Row();
        var target = (await _server.GetJson("/api/targets/web-1/infra/rsyslog")).GetProperty("target");
        var metrics = await _server.Client.GetStringAsync("/metrics");
        var list = (await _server.GetJson(Route)).GetProperty("items");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.True(row.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("incident hotfix, kept until Friday's deploy", row.GetProperty("ack_reason").GetString());
        Assert.Equal("anonymous", row.GetProperty("ack_by").GetString());
        Assert.Equal("2026-04-25T00:00:00.000Z", row.GetProperty("ack_until").GetString());
        Assert.Equal(("OUT_OF_SYNC", true), (target.GetProperty("sync_status").GetString(), target.GetProperty("acknowledged").GetBoolean()));
        Assert.Contains("gitops_status_acknowledged{repo=\"infra/rsyslog\",server=\"web-1\"} 1\n", metrics, StringComparison.Ordinal);
        var ack = Assert.Single(list.EnumerateArray());
        Assert.True(ack.GetProperty("active").GetBoolean());
        Assert.Equal(["rsyslog.conf"], ack.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(0, await CheckMetrics(metrics));
    }

    [Fact]
    public async Task A_change_of_a_drifted_files_content_ends_it_at_the_next_report_with_one_notification()
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));
        await _listener.WaitUntil(l => l.Delivered.Count == 1); // the transition into OUT_OF_SYNC
        await Acknowledge();

        await _server.PostJson(Drifted(AppServer.Start.AddMinutes(1), ("rsyslog.conf", ShaB)));
        await _listener.WaitUntil(l => l.Delivered.Count == 2);
        await _server.PostJson(Drifted(AppServer.Start.AddMinutes(2), ("rsyslog.conf", ShaB))); // nothing more to say

        var row = await Row();
        var ack = Assert.Single((await _server.GetJson(Route)).GetProperty("items").EnumerateArray());
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.False(row.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("", row.GetProperty("ack_reason").GetString());
        Assert.Equal(("content", false), (ack.GetProperty("end_reason").GetString(), ack.GetProperty("active").GetBoolean()));
        Assert.Equal("2026-04-21T10:31:00.000Z", ack.GetProperty("ended_at").GetString());
        await WaitUntilOutboxIsEmpty();
        Assert.Equal(["transition", "unacknowledged"], _listener.Delivered.Select(d => d.Json.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task A_new_drifted_file_ends_it_and_going_synced_ends_it_with_only_the_recovery()
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));
        await Acknowledge();
        await _server.PostJson(Drifted(AppServer.Start.AddMinutes(1), ("rsyslog.conf", ShaA), ("rsyslog.d/30-lab.conf", ShaB)));
        var afterNewFile = await Row();
        await Acknowledge();
        await _server.PostJson(Reports.Synced("infra/rsyslog", "web-1", AppServer.Start.AddMinutes(2), interval: 3600));
        await _listener.WaitUntil(l => l.Delivered.Count == 3);
        await WaitUntilOutboxIsEmpty();

        var acks = (await _server.GetJson(Route)).GetProperty("items").EnumerateArray().ToList();
        Assert.False(afterNewFile.GetProperty("acknowledged").GetBoolean());
        Assert.Equal(["status", "content"], acks.Select(a => a.GetProperty("end_reason").GetString()));
        Assert.Equal(["transition", "unacknowledged", "recovery"], _listener.Delivered.Select(d => d.Json.GetProperty("event").GetString()));
    }

    [Fact]
    public async Task Expiry_ends_it_in_the_sweep_without_a_report_with_one_notification()
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));
        await Acknowledge(until: "2026-04-21T12:00:00Z");
        await _server.Services.GetRequiredService<StaleSweep>().RunOnceAsync(); // before the expiry: nothing

        _server.Clock.Advance(TimeSpan.FromHours(2));
        var beforeSweep = await Row(); // past until: no longer shown acknowledged, even before the sweep ran
        await _server.Services.GetRequiredService<StaleSweep>().RunOnceAsync();
        await _server.Services.GetRequiredService<StaleSweep>().RunOnceAsync();
        await _listener.WaitUntil(l => l.Delivered.Count == 2);
        await WaitUntilOutboxIsEmpty();

        var ack = Assert.Single((await _server.GetJson(Route)).GetProperty("items").EnumerateArray());
        Assert.False(beforeSweep.GetProperty("acknowledged").GetBoolean());
        Assert.Equal("expired", ack.GetProperty("end_reason").GetString());
        Assert.Equal(["transition", "unacknowledged"], _listener.Delivered.Select(d => d.Json.GetProperty("event").GetString()));
        Assert.Equal("", (await Row()).GetProperty("ack_until").GetString());
    }

    [Fact]
    public async Task Deleting_it_makes_the_target_loud_again()
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));
        await Acknowledge();

        var deleted = await _server.Send(HttpMethod.Delete, Route);
        var again = await _server.Send(HttpMethod.Delete, Route);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("deleted", (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("end_reason").GetString());
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.False((await Row()).GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task The_target_pages_form_acknowledges_and_both_pages_show_it_muted_with_reason_and_expiry()
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));
        var page = await _server.Client.GetStringAsync("/targets/web-1/infra/rsyslog");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;

        var forged = await _server.Client.PostAsync("/acknowledge/web-1/infra/rsyslog", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["reason"] = "hotfix",
            ["until"] = "2026-04-25",
        }));
        var posted = await _server.Client.PostAsync("/acknowledge/web-1/infra/rsyslog", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["reason"] = "incident <hotfix>",
            ["until"] = "2026-04-25",
            ["by"] = "ana",
        }));
        var target = await _server.Client.GetStringAsync("/targets/web-1/infra/rsyslog");
        var list = await _server.Client.GetStringAsync("/");

        Assert.Contains("action=\"/acknowledge/web-1/infra/rsyslog\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.True(posted.IsSuccessStatusCode, $"{(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
        Assert.Contains("notice s-out_of_sync acked", target, StringComparison.Ordinal);
        Assert.Contains("Acknowledged by ana until 2026-04-25 00:00:00 UTC: incident &lt;hotfix&gt;", target, StringComparison.Ordinal);
        Assert.Contains("action=\"/unacknowledge/web-1/infra/rsyslog\"", target, StringComparison.Ordinal);
        Assert.Contains("class=\"s-out_of_sync acked\"", list, StringComparison.Ordinal);
        Assert.Contains("acknowledged until 2026-04-25 00:00:00 UTC", list, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "2026-04-25", 422, "reason")]
    [InlineData("   ", "2026-04-25", 422, "reason")]
    [InlineData("hotfix", null, 422, "until")]
    [InlineData("hotfix", "2026-04-20", 422, "until")] // in the past
    [InlineData("hotfix", "2026-04-21T10:31:00Z", 422, "until")] // now is not the future
    [InlineData("hotfix", "2026-07-21", 422, "until")] // more than 90 days ahead
    [InlineData("hotfix", "next friday", 422, "until")]
    public async Task Bad_input_is_refused_naming_the_field_and_stores_nothing(string reason, string? until, int status, string field)
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));

        var response = await Acknowledge(reason, until);

        await AssertRefused(response, status, field);
    }

    [Fact]
    public async Task A_synced_or_unknown_target_cannot_be_acknowledged()
    {
        await _server.PostJson(Reports.Synced("infra/rsyslog", "web-1", AppServer.Start));

        var synced = await Acknowledge();
        var unknown = await _server.Send(HttpMethod.Post, "/api/acknowledgements/web-9/infra/rsyslog", json: """{"reason":"x","until":"2026-04-25"}""");
        var malformed = await _server.Send(HttpMethod.Post, Route, json: "{");

        await AssertRefused(synced, 409, "sync_status");
        await AssertRefused(unknown, 404, "repo");
        await AssertRefused(malformed, 400, "$");
    }

    private async Task AssertRefused(HttpResponseMessage response, int status, string field)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
        var list = await _server.Client.GetAsync(Route);
        if (list.IsSuccessStatusCode)
            Assert.Empty((await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray());
        Assert.All((await _server.StatusJson()).EnumerateArray(), r => Assert.False(r.GetProperty("acknowledged").GetBoolean()));
    }

    private async Task WaitUntilOutboxIsEmpty()
    {
        var store = _server.Services.GetRequiredService<IStatusStore>();
        for (var i = 0; i < 200 && await store.CountPendingNotificationsAsync(CancellationToken.None) > 0; i++)
            await Task.Delay(50);
        Assert.Equal(0, await store.CountPendingNotificationsAsync(CancellationToken.None));
    }

    /// <summary><c>promtool check metrics</c> on the text; its exit code (its complaints fail the assertion with the text).</summary>
    internal static async Task<int> CheckMetrics(string text)
    {
        var start = new ProcessStartInfo("promtool", "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var promtool = Process.Start(start)!;
        await promtool.StandardInput.WriteAsync(text);
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.True(output.Trim().Length == 0, output);
        return promtool.ExitCode;
    }

    [Fact]
    public async Task History_records_who_acknowledged_what_and_why_each_acknowledgement_ended()
    {
        await _server.PostJson(Drifted(AppServer.Start, ("rsyslog.conf", ShaA)));
        Assert.Equal(HttpStatusCode.Created, (await Acknowledge("hotfix", "2026-04-25")).StatusCode);
        _server.Clock.Advance(TimeSpan.FromMinutes(1));
        await _server.PostJson(Drifted(AppServer.Start.AddMinutes(1), ("rsyslog.conf", ShaB))); // the content changed: it ends
        Assert.Equal(HttpStatusCode.Created, (await Acknowledge("new content accepted", "2026-04-26")).StatusCode);
        _server.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await _server.Send(HttpMethod.Delete, Route)).StatusCode);

        var events = (await _server.GetJson("/api/history/web-1/infra/rsyslog")).GetProperty("events").EnumerateArray().Reverse()
            .Select(e => string.Join(' ', e.GetProperty("changes").EnumerateArray().Select(c => c.GetString()))
                + $" {Text(e, "ack_by")} {Text(e, "ack_reason")} {Text(e, "ack_until")} {Text(e, "ack_end_reason")} at {e.GetProperty("at").GetString()}")
            .ToList();
        var page = await _server.Client.GetStringAsync("/targets/web-1/infra/rsyslog");

        Assert.Equal([
            "first - - - - at 2026-04-21T10:31:00.000Z",
            "acknowledged anonymous hotfix 2026-04-25T00:00:00.000Z - at 2026-04-21T10:31:00.000Z",
            "unacknowledged anonymous hotfix 2026-04-25T00:00:00.000Z content at 2026-04-21T10:32:00.000Z",
            "acknowledged anonymous new content accepted 2026-04-26T00:00:00.000Z - at 2026-04-21T10:32:00.000Z",
            "unacknowledged anonymous new content accepted 2026-04-26T00:00:00.000Z deleted at 2026-04-21T10:33:00.000Z",
        ], events);
        Assert.Contains("Acknowledged by anonymous until 2026-04-25 00:00:00 UTC: hotfix", page, StringComparison.Ordinal);
        Assert.Contains("Acknowledgement by anonymous ended (deleted): new content accepted", page, StringComparison.Ordinal);
    }

    private static string Text(JsonElement e, string name) => e.GetProperty(name).GetString() ?? "-";
}

public sealed class AcknowledgementTestsOnSqlite() : AcknowledgementTests(null);

/// <summary>Who may acknowledge: write tokens for their own targets and the admin token; never a read token.</summary>
public sealed class AcknowledgementAccessTests : IDisposable
{
    private readonly AppServer _server = new(new()
    {
        ["GITOPS_READ_TOKEN"] = "read-secret",
        ["GITOPS_WRITE_TOKENS"] = "infra-secret:infra/*, nginx-secret:nginx",
        ["GITOPS_ADMIN_TOKEN"] = "admin-secret",
    });

    public void Dispose() => _server.Dispose();

    private Task<HttpResponseMessage> Acknowledge(string? token) =>
        _server.Send(HttpMethod.Post, "/api/acknowledgements/web-1/infra/rsyslog", token, """{"reason":"hotfix","until":"2026-04-25"}""");

    [Fact]
    public async Task Write_tokens_acknowledge_their_own_targets_and_admin_any_but_read_tokens_none()
    {
        await _server.Send(HttpMethod.Post, "/api/status", "infra-secret", AcknowledgementTests.Drifted(AppServer.Start, ("rsyslog.conf", new string('a', 64))));

        var none = await Acknowledge(null);
        var read = await Acknowledge("read-secret");
        var otherScope = await Acknowledge("nginx-secret");
        var own = await Acknowledge("infra-secret");
        var admin = await Acknowledge("admin-secret");
        var acks = await _server.Send(HttpMethod.Get, "/api/acknowledgements/web-1/infra/rsyslog", "read-secret");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherScope.StatusCode);
        Assert.True((await otherScope.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("repo", out _));
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.Equal(HttpStatusCode.Created, admin.StatusCode);
        var items = (await acks.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["admin token", "write token infra/*@*"], items.Select(i => i.GetProperty("by").GetString()));
        Assert.Equal([null, "replaced"], items.Select(i => i.GetProperty("end_reason").GetString()));
    }
}

public sealed class AcknowledgementTestsOnPostgres(PostgresCluster postgres) : AcknowledgementTests(postgres);

/// <summary>Two replicas on one PostgreSQL database, both sweeping when an acknowledgement expires.</summary>
public sealed class AcknowledgementReplicaTests(PostgresCluster cluster) : IDisposable
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
        var replica = new AppServer(new() { ["GITOPS_WEBHOOK_URLS"] = _listener.Url, ["GITOPS_SWEEP_INTERVAL"] = "1d" }, clock: _clock,
            database: _database.ConnectionString);
        _replicas.Add(replica);
        return replica;
    }

    [Fact]
    public async Task Expiry_seen_by_two_replicas_sweeping_at_once_ends_each_acknowledgement_with_exactly_one_notification()
    {
        var (a, b) = (Replica(), Replica());
        foreach (var i in Enumerable.Range(0, 10))
        {
            var server = $"s-{i}";
            await (i % 2 == 0 ? a : b).PostJson(Reports.Drifted("fleet", server, AppServer.Start, 3600, "a.conf"));
            var acked = await (i % 2 == 0 ? b : a).Send(HttpMethod.Post, $"/api/acknowledgements/{server}/fleet", json: """{"reason":"known","until":"2026-04-21T12:00:00Z"}""");
            Assert.Equal(HttpStatusCode.Created, acked.StatusCode);
        }
        await _listener.WaitUntil(l => l.Delivered.Count == 10); // the ten transitions into OUT_OF_SYNC
        _clock.Advance(TimeSpan.FromHours(2));

        await Task.WhenAll(new[] { a, b, a, b }.Select(r => Task.Run(() => r.Services.GetRequiredService<StaleSweep>().RunOnceAsync())));
        await _listener.WaitUntil(l => l.Delivered.Count >= 20);
        var store = a.Services.GetRequiredService<IStatusStore>();
        for (var i = 0; i < 100 && await store.CountPendingNotificationsAsync(CancellationToken.None) > 0; i++)
            await Task.Delay(50);

        var ended = _listener.Delivered.Where(d => d.Json.GetProperty("event").GetString() == "unacknowledged").ToList();
        Assert.Equal(10, ended.Count);
        Assert.Equal(10, ended.Select(d => d.Json.GetProperty("server").GetString()).Distinct().Count());
        Assert.Equal(20, _listener.Delivered.Count);
        var rows = (await b.StatusJson("?repo=fleet")).EnumerateArray().ToList();
        Assert.All(rows, r => Assert.Equal(("OUT_OF_SYNC", false), (r.GetProperty("sync_status").GetString(), r.GetProperty("acknowledged").GetBoolean())));
        var history = (await a.GetJson("/api/acknowledgements/s-3/fleet")).GetProperty("items");
        Assert.Equal("expired", Assert.Single(history.EnumerateArray()).GetProperty("end_reason").GetString());
    }
}
