using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using GitOpsStatus.Server.Tests.Postgres;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="DurabilityTestsOnSqlite"/> and <see cref="DurabilityTestsOnPostgres"/>.</summary>
public abstract class DurabilityTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Every_acknowledged_report_survives_a_restart()
    {
        var t = AppServer.Start.AddMinutes(-1);
        for (var i = 0; i < 50; i++)
            Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Drifted("repo", $"s-{i}", t, $"f{i}.conf"))).StatusCode);

        _server.Restart();

        var rows = (await _server.StatusJson()).EnumerateArray().ToList();
        Assert.Equal(50, rows.Count);
        Assert.All(rows, r => Assert.Equal($"f{r.GetProperty("server").GetString()![2..]}.conf", r.GetProperty("files").GetString()));
    }

    [Fact]
    public async Task Concurrent_reports_to_distinct_and_shared_targets_all_land_and_the_latest_wins()
    {
        var t = AppServer.Start.AddMinutes(-10);
        var posts = Enumerable.Range(0, 200).Select(async i =>
        {
            // Half go to 100 distinct targets; half race on 4 shared ones, each with its own time.
            var json = i % 2 == 0
                ? Reports.Drifted("distinct", $"s-{i}", t, $"f{i}")
                : Reports.Drifted("shared", $"s-{i / 2 % 4}", t.AddSeconds(i), $"f{i}");
            var response = await _server.PostJson(json);
            return (i, response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        });
        var results = await Task.WhenAll(posts);

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        _server.Restart();
        var rows = (await _server.StatusJson()).EnumerateArray().ToList();
        Assert.Equal(100, rows.Count(r => r.GetProperty("repo").GetString() == "distinct"));
        foreach (var shared in rows.Where(r => r.GetProperty("repo").GetString() == "shared"))
        {
            var slot = int.Parse(shared.GetProperty("server").GetString()![2..], System.Globalization.CultureInfo.InvariantCulture);
            var newest = Enumerable.Range(0, 200).Where(i => i % 2 == 1 && i / 2 % 4 == slot).Max();
            Assert.Equal($"f{newest}", shared.GetProperty("files").GetString());
        }
        Assert.Equal(4, rows.Count(r => r.GetProperty("repo").GetString() == "shared"));
    }
}

public sealed class DurabilityTestsOnSqlite() : DurabilityTests(null)
{
    [Fact]
    public async Task A_database_from_an_older_server_is_migrated_and_a_newer_one_is_refused()
    {
        using var server = new AppServer();
        await server.PostJson(Reports.SeedSynced);
        server.Restart();
        Assert.Equal(1, (await server.StatusJson()).GetArrayLength());

        var path = Path.Combine(server.DataDir, "gitops-status.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99";
            command.ExecuteNonQuery();
        }
        var error = Assert.ThrowsAny<Exception>(server.Restart);
        Assert.Contains("schema version 99", error.ToString());
    }
}

public sealed class DurabilityTestsOnPostgres(PostgresCluster cluster) : DurabilityTests(cluster)
{
    private readonly PostgresCluster _cluster = cluster;

    [Fact]
    public async Task A_database_from_an_older_server_is_migrated_and_a_newer_one_is_refused()
    {
        var (name, database) = _cluster.CreateDatabase();
        try
        {
            using var server = new AppServer(database: database);
            await server.PostJson(Reports.SeedSynced);
            server.Restart();
            Assert.Equal(1, (await server.StatusJson()).GetArrayLength());
            Assert.Equal((long)Storage.PostgresSchema.LatestVersion, _cluster.Scalar(name, "SELECT count(*) FROM schema_version")); // each migration applied once

            _cluster.Scalar(name, "INSERT INTO schema_version (version) VALUES (99)");
            var error = Assert.ThrowsAny<Exception>(server.Restart);
            Assert.Contains("schema version 99", error.ToString());
        }
        finally
        {
            _cluster.DropDatabase(name);
        }
    }
}
