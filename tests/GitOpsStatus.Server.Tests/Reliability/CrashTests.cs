using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// SIGKILL at a random moment under load, several rounds, on the same data: nothing acknowledged is lost,
/// and the store passes its own integrity check (SQLite <c>PRAGMA integrity_check</c>; PostgreSQL
/// <c>pg_amcheck</c> over every table and index). Runs on both stores.
/// </summary>
public abstract class CrashTests(PostgresCluster? postgres) : IDisposable
{
    private const int Rounds = 5;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-crash-").FullName;
    private readonly (string Name, string ConnectionString)? _database = postgres?.CreateDatabase();

    public void Dispose()
    {
        Directory.Delete(_dataDir, recursive: true);
        if (_database is { } database)
            postgres!.DropDatabase(database.Name);
        GC.SuppressFinalize(this);
    }

    private string[] Settings => _database is { } database ? ["--database", database.ConnectionString] : [];

    [Fact]
    public async Task Sigkill_under_load_loses_no_acknowledged_report_and_leaves_a_sound_database()
    {
        // For each target, the newest last_check the server acknowledged with a 200.
        var acknowledged = new ConcurrentDictionary<string, DateTimeOffset>();
        var random = new Random(20261124);
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        var sent = 0;

        for (var round = 0; round < Rounds; round++)
        {
            await using var server = await ServerProcess.StartAsync(_dataDir, Settings);
            using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            await AssertAllPresent(client, acknowledged);

            using var stop = new CancellationTokenSource();
            var acknowledgedThisRound = 0;
            var load = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; i < 5_000 && !stop.IsCancellationRequested; i++)
                {
                    // 40 targets shared by every round and worker: updates race on them.
                    var target = $"t-{(worker * 7 + i) % 40}";
                    var at = start.AddMilliseconds(Interlocked.Increment(ref sent));
                    try
                    {
                        var response = await client.PostAsync("/api/status",
                            new StringContent(Reports.Drifted("crash", target, at, $"f{i}"), Encoding.UTF8, "application/json"));
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            acknowledged.AddOrUpdate(target, at, (_, old) => old > at ? old : at);
                            Interlocked.Increment(ref acknowledgedThisRound);
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return;
                    }
                }
            })).ToList();

            // The kill lands mid-load, after this round has acknowledged something: on a loaded machine the first 200
            // can take longer than the random delay, and a round that acknowledged nothing would prove nothing.
            for (var waited = System.Diagnostics.Stopwatch.StartNew(); Volatile.Read(ref acknowledgedThisRound) == 0 && waited.Elapsed < TimeSpan.FromSeconds(60);)
                await Task.Delay(20);
            Assert.True(Volatile.Read(ref acknowledgedThisRound) > 0, $"round {round}: no report acknowledged within 60 s");
            await Task.Delay(random.Next(200, 900));
            server.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        await using (var last = await ServerProcess.StartAsync(_dataDir, Settings))
        {
            using var client = new HttpClient { BaseAddress = last.BaseAddress };
            await AssertAllPresent(client, acknowledged);
            Assert.Equal(0, await last.TerminateAsync());
        }
        Assert.Equal("ok", IntegrityCheck());
        Figures.Record($"{(postgres is null ? "SQLite" : "PostgreSQL")} crash: {Rounds} SIGKILL rounds survived, {sent} reports sent, {acknowledged.Count} targets acknowledged, {(postgres is null ? "integrity_check" : "pg_amcheck")} ok");
    }

    private static async Task AssertAllPresent(HttpClient client, ConcurrentDictionary<string, DateTimeOffset> acknowledged)
    {
        var rows = (await client.GetFromJsonAsync<JsonElement>("/status.json?repo=crash"))
            .EnumerateArray().ToDictionary(r => r.GetProperty("server").GetString()!, r => DateTimeOffset.Parse(r.GetProperty("last_check").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (target, at) in acknowledged)
        {
            Assert.True(rows.TryGetValue(target, out var stored), $"{target} was acknowledged but is missing");
            Assert.True(stored >= at, $"{target}: acknowledged {at:O} but stored {stored:O}");
        }
    }

    private string IntegrityCheck()
    {
        if (_database is { } database)
            return AmCheck(postgres!.Server, database.Name);
        return ServerProcess.SqliteIntegrity(_dataDir);
    }

    /// <summary>pg_amcheck on every table and index of the database (heap and B-tree, with every heap tuple checked against its indexes): "ok" or its report.</summary>
    private static string AmCheck(PostgresServer server, string database)
    {
        var start = new System.Diagnostics.ProcessStartInfo(server.Tool("pg_amcheck")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-h", "127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres",
                     "--install-missing", "--heapallindexed", "--parent-check", "-d", database })
            start.ArgumentList.Add(arg);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 && output.Result.Trim().Length == 0 ? "ok" : $"pg_amcheck exited {process.ExitCode}: {output.Result}{errors}";
    }
}

public sealed class CrashTestsOnSqlite() : CrashTests(null)
{
}

public sealed class CrashTestsOnPostgres(PostgresCluster postgres) : CrashTests(postgres)
{
}
