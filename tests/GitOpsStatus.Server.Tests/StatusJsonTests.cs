using System.Net;
using System.Net.Http.Headers;

using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="StatusJsonTestsOnSqlite"/> and <see cref="StatusJsonTestsOnPostgres"/>.</summary>
public abstract class StatusJsonTests(PostgresCluster? postgres) : IDisposable
{
    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Rows_are_sorted_by_repo_then_server_and_filtered()
    {
        var t = AppServer.Start.AddMinutes(-1);
        await _server.PostJson(Reports.Synced("web", "b", t));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "z", t, "rsyslog.conf"));
        await _server.PostJson(Reports.Synced("web", "a", t));
        await _server.PostJson(Reports.Synced("infra/rsyslog", "a", t));

        var all = (await _server.StatusJson()).EnumerateArray().Select(r => $"{r.GetProperty("repo")}@{r.GetProperty("server")}");
        Assert.Equal(["infra/rsyslog@a", "infra/rsyslog@z", "web@a", "web@b"], all);
        Assert.Equal(2, (await _server.StatusJson("?repo=web")).GetArrayLength());
        Assert.Equal(1, (await _server.StatusJson("?repo=infra/rsyslog&server=z")).GetArrayLength());
        Assert.Equal(1, (await _server.StatusJson("?status=out_of_sync")).GetArrayLength());
        Assert.Equal(3, (await _server.StatusJson("?status=SYNCED,STALE")).GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.GetAsync("/status.json?status=GREEN")).StatusCode);
    }

    [Fact]
    public async Task A_target_turns_stale_when_reports_stop()
    {
        await _server.PostJson(Reports.Synced("r", "with-interval", AppServer.Start, interval: 120));
        await _server.PostJson(Reports.Synced("r", "default", AppServer.Start));

        _server.Clock.Advance(TimeSpan.FromMinutes(5));
        var afterFive = await _server.StatusJson();
        _server.Clock.Advance(TimeSpan.FromMinutes(2));
        var afterSeven = await _server.StatusJson();
        _server.Clock.Advance(TimeSpan.FromMinutes(4));
        var afterEleven = await _server.StatusJson();

        // Sorted by server: "default" (10 min limit), then "with-interval" (3 × 120 s).
        Assert.Equal(["SYNCED", "SYNCED"], afterFive.EnumerateArray().Select(r => r.GetProperty("sync_status").GetString()));
        Assert.Equal(["SYNCED", "STALE"], afterSeven.EnumerateArray().Select(r => r.GetProperty("sync_status").GetString()));
        Assert.Equal(["STALE", "STALE"], afterEleven.EnumerateArray().Select(r => r.GetProperty("sync_status").GetString()));
        var stale = afterEleven.EnumerateArray().First(r => r.GetProperty("server").GetString() == "with-interval");
        Assert.Equal(2, stale.GetProperty("status_value").GetInt32());
        Assert.Equal("2026-04-21T10:37:00.000Z", stale.GetProperty("status_since").GetString());
    }

    [Fact]
    public async Task The_seed_payload_dated_in_april_shows_as_stale_today()
    {
        _server.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        await _server.PostJson(Reports.SeedSynced);
        var row = (await _server.StatusJson())[0];
        Assert.Equal("STALE", row.GetProperty("sync_status").GetString());
        Assert.Equal("2026-04-21T10:40:00.000Z", row.GetProperty("status_since").GetString());
    }

    [Fact]
    public async Task An_unchanged_list_answers_304_to_its_etag()
    {
        await _server.PostJson(Reports.SeedSynced);
        var first = await _server.Client.GetAsync("/status.json");
        var etag = first.Headers.ETag!;
        Assert.False(etag.IsWeak);
        Assert.True(first.Headers.CacheControl!.NoCache);

        var again = new HttpRequestMessage(HttpMethod.Get, "/status.json");
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await _server.Client.SendAsync(again)).StatusCode);

        await _server.PostJson(Reports.Drifted("rsyslog", "rsyslog-lab", AppServer.Start, "x"));
        var changed = new HttpRequestMessage(HttpMethod.Get, "/status.json");
        changed.Headers.IfNoneMatch.Add(etag);
        var response = await _server.Client.SendAsync(changed);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(etag, response.Headers.ETag);

        // A deleted target changes it too (one row fewer, whatever the others hold).
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Send(HttpMethod.Delete, "/api/targets/rsyslog-lab/rsyslog")).StatusCode);
        var deleted = new HttpRequestMessage(HttpMethod.Get, "/status.json");
        deleted.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.SendAsync(deleted)).StatusCode);
    }

    [Fact]
    public async Task The_list_of_a_fixture_matches_the_golden_file()
    {
        var t = new DateTimeOffset(2026, 4, 21, 10, 0, 0, TimeSpan.Zero);
        await _server.PostJson(Reports.Synced("infra/rsyslog", "rsyslog-lab", t.AddMinutes(20), revision: "4f2a9c1"));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "rsyslog-lab", t.AddMinutes(30), "rsyslog.conf", "rsyslog.d/30-lab.conf"));
        await _server.PostJson(Reports.Synced("nginx", "web-1", t.AddMinutes(30), interval: 120));
        await _server.PostJson(Reports.Synced("nginx", "web-2", t));
        await _server.PostJson("""{"repo":"nginx","server":"web-3","sync_status":"UNKNOWN","error":"ssh: connect to host web-3 port 22: Connection refused","last_check":"2026-04-21T10:29:00Z","source":"cron"}""");
        await _server.PostJson(Reports.WithOrigin("nginx", "web-4", t.AddMinutes(29))); // detection and cause columns

        var body = await _server.Client.GetStringAsync("/status.json");

        var pretty = System.Text.Json.JsonSerializer.Serialize(System.Text.Json.JsonDocument.Parse(body), Indented);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
            File.WriteAllText(Path.Combine(GoldenDir(), "status.json"), pretty + "\n");
        Assert.Equal(File.ReadAllText("Golden/status.json").ReplaceLineEndings("\n").Trim(), pretty.ReplaceLineEndings("\n").Trim());
    }

    /// <summary>The source folder of the golden files (UPDATE_GOLDEN=1 rewrites them there).</summary>
    private static string GoldenDir([System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Golden");
}

public sealed class StatusJsonTestsOnSqlite() : StatusJsonTests(null)
{
}

public sealed class StatusJsonTestsOnPostgres : StatusJsonTests
{
    private readonly PostgresCluster _postgres;

    public StatusJsonTestsOnPostgres(PostgresCluster postgres) : base(postgres) => _postgres = postgres;

    // The tag follows the targets table only: another database's writes on the same cluster (other tests here, other
    // applications in production) move the cluster's transaction ids, and once made the tag change with them.
    [Fact]
    public async Task Writes_elsewhere_in_the_cluster_keep_the_etag()
    {
        using var server = new AppServer(postgres: _postgres);
        await server.PostJson(Reports.SeedSynced);
        var etag = (await server.Client.GetAsync("/status.json")).Headers.ETag!;
        var (other, _) = _postgres.CreateDatabase();
        try
        {
            _postgres.Scalar(other, "CREATE TABLE busy (n int); INSERT INTO busy SELECT generate_series(1, 100)");
            var again = new HttpRequestMessage(HttpMethod.Get, "/status.json");
            again.Headers.IfNoneMatch.Add(etag);
            Assert.Equal(HttpStatusCode.NotModified, (await server.Client.SendAsync(again)).StatusCode);
        }
        finally
        {
            _postgres.DropDatabase(other);
        }
    }
}
