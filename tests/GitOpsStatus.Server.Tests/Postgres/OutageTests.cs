using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace GitOpsStatus.Server.Tests.Postgres;

/// <summary>PostgreSQL taken away under the server: its own cluster, since the tests stop and restart it.</summary>
public sealed class OutageTests : IDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly AppServer _server;

    public OutageTests()
    {
        using (var connection = new Npgsql.NpgsqlConnection(_postgres.ConnectionString()))
        {
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand("CREATE DATABASE status", connection);
            command.ExecuteNonQuery();
        }
        _server = new AppServer(database: _postgres.ConnectionString("status"));
    }

    public void Dispose()
    {
        _server.Dispose();
        _postgres.Dispose();
    }

    [Fact]
    public async Task While_postgres_is_down_reports_get_503_with_retry_after_and_the_replica_recovers_by_itself()
    {
        var t = AppServer.Start.AddMinutes(-5);
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Synced("r", "before", t))).StatusCode);

        _postgres.Stop();
        var refused = await _server.PostJson(Reports.Synced("r", "during", t));
        var notReady = await _server.Client.GetAsync("/readyz");
        _postgres.Start();
        var recovered = await UntilOk(() => _server.PostJson(Reports.Synced("r", "after", t)));
        var ready = await _server.Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(["after", "before"], (await _server.StatusJson()).EnumerateArray().Select(r => r.GetProperty("server").GetString()));
    }

    [Fact]
    public async Task Postgres_restarted_mid_load_loses_no_acknowledged_report()
    {
        var acknowledged = new ConcurrentDictionary<string, DateTimeOffset>();
        var refused = 0;
        var sent = 0;
        var t0 = AppServer.Start.AddHours(-1);
        using var restarted = new CancellationTokenSource();
        var ackedAfterRestart = 0;

        var load = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            // Until 50 posts after the restart each (bounded: a dead database still ends the loop).
            for (int i = 0, after = 0; i < 5_000 && after < 50; i++)
            {
                if (restarted.IsCancellationRequested)
                    after++;
                var target = $"t-{(worker * 7 + i) % 40}";
                var at = t0.AddMilliseconds(Interlocked.Increment(ref sent));
                var response = await _server.PostJson(Reports.Drifted("outage", target, at, $"f{i}"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acknowledged.AddOrUpdate(target, at, (_, old) => old > at ? old : at);
                    if (restarted.IsCancellationRequested)
                        Interlocked.Increment(ref ackedAfterRestart);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    Assert.NotNull(response.Headers.RetryAfter);
                    Interlocked.Increment(ref refused);
                    await Task.Delay(20);
                }
            }
        })).ToList();
        await Task.Delay(300);
        _postgres.Restart(); // immediate stop: a crash of PostgreSQL, then crash recovery from its WAL
        await restarted.CancelAsync();
        await Task.WhenAll(load);

        var rows = (await _server.StatusJson("?repo=outage")).EnumerateArray()
            .ToDictionary(r => r.GetProperty("server").GetString()!, r => DateTimeOffset.Parse(r.GetProperty("last_check").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (target, at) in acknowledged)
        {
            Assert.True(rows.TryGetValue(target, out var stored), $"{target} was acknowledged but is missing");
            Assert.True(stored >= at, $"{target}: acknowledged {at:O} but stored {stored:O}");
        }
        Assert.True(ackedAfterRestart > 0, $"no report was stored after the restart ({refused} refused)");
        Reliability.Figures.Record($"PostgreSQL restarted mid-load: {sent} reports sent, {refused} refused with 503, {acknowledged.Count} targets acknowledged, none lost");
    }

    private static async Task<HttpResponseMessage> UntilOk(Func<Task<HttpResponseMessage>> send)
    {
        HttpResponseMessage response = null!;
        for (var i = 0; i < 100; i++)
        {
            response = await send();
            if (response.StatusCode == HttpStatusCode.OK)
                break;
            await Task.Delay(100);
        }
        return response;
    }
}
