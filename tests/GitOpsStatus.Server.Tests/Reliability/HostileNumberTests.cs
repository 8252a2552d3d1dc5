using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Integers past what storage and readers hold (issue 18: a <c>drift_count</c> of 2³¹ was stored, then every read
/// answered 500 and the stale sweep stopped the host, on every restart). New reports are refused with a 422 naming
/// the field; rows already stored with such values (written straight into the database, as an older server did)
/// are read clamped, by every page and by the background jobs, on both stores, with the server as a real process.
/// </summary>
public abstract class HostileNumberTests(PostgresCluster? postgres) : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-numbers-").FullName;
    private readonly (string Name, string ConnectionString)? _database = postgres?.CreateDatabase();
    private readonly WebhookListener _webhook = new();

    public void Dispose()
    {
        _webhook.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
        if (_database is { } database)
            postgres!.DropDatabase(database.Name);
        GC.SuppressFinalize(this);
    }

    private string[] Settings => ["--sweep-interval", "1s", .. _database is { } database ? new[] { "--database", database.ConnectionString } : []];

    private string[] WithWebhook => [.. Settings, "--webhook-urls", _webhook.Url + "/hook"];

    [Theory]
    [InlineData("drift_count", "2147483648")]
    [InlineData("drift_count", "9007199254740993")]
    [InlineData("drift_count", "-1")]
    [InlineData("interval_seconds", "9007199254740993")]
    [InlineData("interval_seconds", "-5")]
    [InlineData("duration_ms", "2147483648000")]
    [InlineData("duration_ms", "-1")]
    public async Task An_integer_out_of_its_documented_range_is_refused_with_a_422_naming_the_field_and_quoting_the_value(string field, string value)
    {
        await using var server = await ServerProcess.StartAsync(_dataDir, Settings);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var body = JsonNode.Parse($$"""{"repo":"evil/r","server":"b","sync_status":"OUT_OF_SYNC","drift_count":1,"last_check":"{{DateTimeOffset.UtcNow:O}}","interval_seconds":60}""")!;
        body[field] = JsonNode.Parse(value);

        var response = await client.PostAsync("/api/status", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        var message = string.Join(" ", errors.GetProperty(field).EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(value, message);
        Assert.Empty(JsonDocument.Parse(await client.GetStringAsync("/status.json")).RootElement.EnumerateArray());
    }

    [Fact]
    public async Task A_store_that_already_holds_numbers_past_2_31_is_served_clamped_and_the_server_stays_up_past_the_stale_sweep()
    {
        var lastCheck = DateTimeOffset.UtcNow.AddMinutes(-1);
        await using (var first = await ServerProcess.StartAsync(_dataDir, Settings))
        {
            using var client = new HttpClient { BaseAddress = first.BaseAddress };
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/status",
                new StringContent(Reports.Drifted("evil/r", "b", lastCheck, 1, "a.conf"), Encoding.UTF8, "application/json"))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/status",
                new StringContent(Reports.Drifted("evil/r", "c", lastCheck, 1, "a.conf"), Encoding.UTF8, "application/json"))).StatusCode);
            Assert.Equal(0, await first.TerminateAsync());
        }
        // What an older server stored: the count past 2³¹ (SQLite; PostgreSQL's integer column got it wrapped to -2³¹),
        // intervals past ±2⁶², negative counts; alert_status as if never announced, so the sweep reads these rows.
        WriteHostileRows();

        await using var server = await ServerProcess.StartAsync(_dataDir, WithWebhook);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        string[] paths = ["/", "/metrics", "/api/targets", "/api/targets?status=STALE", "/api/targets/b/evil/r", "/api/targets/c/evil/r",
            "/targets/b/evil/r", "/targets/c/evil/r", "/?sort=drift", "/api/history/b/evil/r", "/api/history/c/evil/r", "/api/summary", "/status.json"];
        foreach (var path in paths)
        {
            var response = await http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var rows = JsonDocument.Parse(await http.GetStringAsync("/status.json")).RootElement.EnumerateArray()
            .ToDictionary(r => r.GetProperty("server").GetString()!, r => r.GetProperty("drift_count").GetInt64());
        Assert.Equal(postgres is null ? int.MaxValue : 0, rows["b"]);
        Assert.Equal(0, rows["c"]);

        // The sweep (every second) reads both rows and announces b STALE (its negative interval reads as 1 s; c's huge one as
        // 31 days), with a webhook that carries the clamped count.
        await _webhook.WaitUntil(w => w.Delivered.Any(d => d.Json.GetProperty("server").GetString() == "b"));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(server.HasExited, "the server stopped");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);
        foreach (var path in paths)
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(path)).StatusCode);
        var stale = Assert.Single(_webhook.Delivered, d => d.Json.GetProperty("server").GetString() == "b");
        Assert.Equal("STALE", stale.Json.GetProperty("to").GetString());
        Assert.Equal(rows["b"], stale.Json.GetProperty("drift_count").GetInt64());
        Assert.DoesNotContain(_webhook.Delivered, d => d.Json.GetProperty("server").GetString() == "c");
        Assert.Equal(0, await server.TerminateAsync());
    }

    private void WriteHostileRows()
    {
        if (_database is { } database)
        {
            postgres!.Scalar(database.Name, """
                UPDATE targets SET drift_count = CASE server WHEN 'b' THEN -2147483648 ELSE -1 END, alert_status = 'OUT_OF_SYNC',
                    interval_seconds = CASE server WHEN 'b' THEN -9223372036854775807 ELSE 9223372036854775807 END,
                    report = jsonb_set(jsonb_set(report::jsonb, '{drift_count}', '2147483648'), '{duration_ms}', '9223372036854775807')::text;
                UPDATE events SET drift_count = -2147483648;
                """);
            return;
        }
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_dataDir, "gitops-status.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE targets SET drift_count = CASE server WHEN 'b' THEN 2147483648 ELSE -9007199254740993 END, alert_status = 'OUT_OF_SYNC',
                interval_seconds = CASE server WHEN 'b' THEN -4611686018427387904 ELSE 4611686018427387904 END,
                report = json_set(report, '$.drift_count', 2147483648, '$.duration_ms', 9223372036854775807);
            UPDATE events SET drift_count = 2147483648;
            """;
        command.ExecuteNonQuery();
    }
}

public sealed class HostileNumberTestsOnSqlite() : HostileNumberTests(null)
{
}

public sealed class HostileNumberTestsOnPostgres(PostgresCluster postgres) : HostileNumberTests(postgres)
{
}
