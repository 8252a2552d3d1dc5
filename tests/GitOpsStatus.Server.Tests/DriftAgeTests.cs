using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Server.Targets;
using GitOpsStatus.Server.Tests.Postgres;

namespace GitOpsStatus.Server.Tests;

/// <summary>Drift age and recurrence (issue 23 item 2) through the real app on both stores (<see cref="DriftAgeTestsOnSqlite"/>,
/// <see cref="DriftAgeTestsOnPostgres"/>): the API, <c>/status.json</c> (with its ETag) and the dashboard pages.</summary>
public abstract class DriftAgeTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    private DateTimeOffset Now => _server.Clock.GetUtcNow();

    private async Task Post(string json)
    {
        using var response = await _server.PostJson(json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private Task Drifted(params string[] files) => Post(Reports.Drifted("infra/app", "web-1", Now, 3600, files));

    private Task Synced() => Post(Reports.Synced("infra/app", "web-1", Now, interval: 3600));

    private Task<JsonElement> Detail() => _server.GetJson("/api/targets/web-1/infra/app");

    private async Task<JsonElement> Row() => (await _server.StatusJson())[0];

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_file_keeps_its_first_seen_across_reports_and_starts_over_after_it_was_synced()
    {
        var start = Now;
        await Drifted("app.conf");
        _server.Clock.Advance(TimeSpan.FromMinutes(10));
        await Drifted("app.conf");

        var detail = await Detail();
        var file = Assert.Single(detail.GetProperty("drifted_files").EnumerateArray());
        Assert.Equal(("app.conf", Iso(start), 1), (file.GetProperty("name").GetString(), file.GetProperty("first_seen").GetString(), file.GetProperty("recurrences_30d").GetInt32()));
        Assert.Equal(600, detail.GetProperty("target").GetProperty("drift_age_seconds").GetInt64());
        Assert.Equal(1, detail.GetProperty("target").GetProperty("recurrences_30d").GetInt32());
        Assert.Equal(600, (await Row()).GetProperty("drift_age_seconds").GetInt64());

        _server.Clock.Advance(TimeSpan.FromMinutes(10));
        await Synced();
        detail = await Detail();
        Assert.Empty(detail.GetProperty("drifted_files").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("target").GetProperty("drift_age_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, (await Row()).GetProperty("drift_age_seconds").ValueKind);
        Assert.Equal(1, (await Row()).GetProperty("recurrences_30d").GetInt32());

        _server.Clock.Advance(TimeSpan.FromMinutes(10));
        var again = Now;
        await Drifted("app.conf", "other.conf");
        _server.Clock.Advance(TimeSpan.FromMinutes(5));

        detail = await Detail();
        var files = detail.GetProperty("drifted_files").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal((Iso(again), 2), (files["app.conf"].GetProperty("first_seen").GetString(), files["app.conf"].GetProperty("recurrences_30d").GetInt32()));
        Assert.Equal((Iso(again), 1), (files["other.conf"].GetProperty("first_seen").GetString(), files["other.conf"].GetProperty("recurrences_30d").GetInt32()));
        Assert.Equal((300, 2), (detail.GetProperty("target").GetProperty("drift_age_seconds").GetInt64(), detail.GetProperty("target").GetProperty("recurrences_30d").GetInt32()));
        var row = await Row();
        Assert.Equal((300, 2), (row.GetProperty("drift_age_seconds").GetInt64(), row.GetProperty("recurrences_30d").GetInt32()));

        var page = await _server.Client.GetStringAsync("/targets/web-1/infra/app");
        Assert.Contains($"drifting since {again.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC", page, StringComparison.Ordinal);
        Assert.Contains("drifted 2× this month", page, StringComparison.Ordinal);
        Assert.Contains("drifted 2× this month", await _server.Client.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recurrences_count_the_last_30_days_only()
    {
        await Drifted("app.conf");
        _server.Clock.Advance(TimeSpan.FromMinutes(1));
        await Synced();
        _server.Clock.Advance(TimeSpan.FromMinutes(1));
        await Drifted("app.conf");
        Assert.Equal(2, (await Row()).GetProperty("recurrences_30d").GetInt32());

        _server.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(0, (await Row()).GetProperty("recurrences_30d").GetInt32());
        await Drifted("other.conf"); // app.conf stopped, other.conf started
        var detail = await Detail();
        Assert.Equal(1, detail.GetProperty("target").GetProperty("recurrences_30d").GetInt32());
        Assert.Equal(1, Assert.Single(detail.GetProperty("drifted_files").EnumerateArray()).GetProperty("recurrences_30d").GetInt32());
    }

    [Fact]
    public async Task A_target_that_keeps_drifting_again_counts_its_latest_100_starts_and_keeps_no_more()
    {
        for (var i = 0; i < TargetRules.MaxRecurrences + 20; i++)
        {
            await Drifted("app.conf");
            _server.Clock.Advance(TimeSpan.FromMinutes(1));
            await Synced();
            _server.Clock.Advance(TimeSpan.FromMinutes(1));
        }
        await Drifted("app.conf");

        var detail = await Detail();
        Assert.Equal(100, detail.GetProperty("target").GetProperty("recurrences_30d").GetInt32());
        Assert.Equal(100, Assert.Single(detail.GetProperty("drifted_files").EnumerateArray()).GetProperty("recurrences_30d").GetInt32());
        Assert.Equal(100, (await Row()).GetProperty("recurrences_30d").GetInt32());
    }

    [Fact]
    public async Task A_report_naming_20000_drifted_files_changes_the_set_in_time_linear_in_its_size()
    {
        // Half of the files stay (keeping their first_seen), half are new. A search per file made this quadratic: 10,000
        // files took the single writer 4.2 s, 20,000 about four times that, and every other report waited behind it.
        var first = Now;
        await Drifted([.. Enumerable.Range(0, 20_000).Select(i => $"etc/a/{i}.conf")]);
        _server.Clock.Advance(TimeSpan.FromMinutes(1));
        var second = Now;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Drifted([.. Enumerable.Range(10_000, 20_000).Select(i => $"etc/a/{i}.conf")]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"storing the report took {clock.Elapsed}");

        var files = (await Detail()).GetProperty("drifted_files").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("first_seen").GetString());
        Assert.Equal(20_000, files.Count);
        Assert.Equal(Iso(first), files["etc/a/10000.conf"]);
        Assert.Equal(Iso(first), files["etc/a/19999.conf"]);
        Assert.Equal(Iso(second), files["etc/a/20000.conf"]);
        Assert.Equal(Iso(second), files["etc/a/29999.conf"]);
        Assert.False(files.ContainsKey("etc/a/0.conf"));

        var page = await _server.Client.GetStringAsync("/targets/web-1/infra/app");
        Assert.Equal(20_000, System.Text.RegularExpressions.Regex.Count(page, "<p class=\"drift-age\">drifting since"));
    }

    [Fact]
    public async Task The_status_json_etag_follows_the_drift_age_by_the_minute_and_holds_while_nothing_drifts()
    {
        await Post(Reports.Synced("infra/app", "web-2", Now, interval: 3600));
        var synced = await _server.Client.GetAsync("/status.json");
        _server.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(HttpStatusCode.NotModified, (await Conditional(synced.Headers.ETag!)).StatusCode);

        await Drifted("app.conf"); // at a whole minute: AppServer.Start is one
        var first = await _server.Client.GetAsync("/status.json");
        var age = (await first.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("drift_age_seconds").GetInt64();
        Assert.Equal(0, age);
        _server.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.NotModified, (await Conditional(first.Headers.ETag!)).StatusCode);

        _server.Clock.Advance(TimeSpan.FromSeconds(1));
        var later = await Conditional(first.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.NotEqual(first.Headers.ETag, later.Headers.ETag);
        Assert.Equal(60, (await later.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("drift_age_seconds").GetInt64());
    }

    private async Task<HttpResponseMessage> Conditional(System.Net.Http.Headers.EntityTagHeaderValue etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/status.json");
        request.Headers.IfNoneMatch.Add(etag);
        return await _server.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_target_drifting_before_the_upgrade_takes_its_status_since_as_its_files_first_seen()
    {
        var start = Now;
        await Drifted("a.conf", "b.conf");
        _server.Clock.Advance(TimeSpan.FromMinutes(2));
        _server.Restart(UndoDriftAge);
        await Drifted("a.conf", "b.conf");

        var detail = await Detail();
        Assert.All(detail.GetProperty("drifted_files").EnumerateArray(), f => Assert.Equal(Iso(start), f.GetProperty("first_seen").GetString()));
        Assert.Equal(2, detail.GetProperty("drifted_files").GetArrayLength());
        Assert.Equal(120, detail.GetProperty("target").GetProperty("drift_age_seconds").GetInt64());
    }

    /// <summary>Back to the schema before migration 7 (PostgreSQL's sixth; 8 undone too), as an older server left it with a drifted target.</summary>
    private void UndoDriftAge()
    {
        const string Columns = """
            DROP TABLE file_drift_starts; ALTER TABLE targets DROP COLUMN drift_files; ALTER TABLE targets DROP COLUMN file_starts;
            ALTER TABLE targets DROP COLUMN drift_since; ALTER TABLE targets DROP COLUMN drift_starts;
            ALTER TABLE events DROP COLUMN ack_by; ALTER TABLE events DROP COLUMN ack_reason; ALTER TABLE events DROP COLUMN ack_until; ALTER TABLE events DROP COLUMN ack_end_reason
            """;
        if (_server.Database is { } database)
        {
            using var connection = new Npgsql.NpgsqlConnection(database);
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand(Columns + "; DELETE FROM schema_version WHERE version >= 6", connection);
            command.ExecuteNonQuery();
            return;
        }
        using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_server.DataDir, "gitops-status.db")};Pooling=false");
        sqlite.Open();
        using var alter = sqlite.CreateCommand();
        alter.CommandText = Columns + "; PRAGMA user_version = 6";
        alter.ExecuteNonQuery();
    }
}

public sealed class DriftAgeTestsOnSqlite() : DriftAgeTests(null);

public sealed class DriftAgeTestsOnPostgres(PostgresCluster postgres) : DriftAgeTests(postgres);
