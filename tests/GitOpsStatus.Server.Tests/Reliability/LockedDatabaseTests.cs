using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Issue 18's reproduction 2, on the server as a real process and its real SQLite file: a webhook sink that answers
/// after 3 s, and another connection holding <c>BEGIN IMMEDIATE</c> on the database while the delivery is in flight,
/// past the writer's 30 s busy timeout. Recording the delivery failed with "database is locked", and the host stopped.
/// </summary>
public class LockedDatabaseTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-locked-").FullName;
    private readonly WebhookListener _webhook = new(answerAfter: TimeSpan.FromSeconds(3));

    public void Dispose()
    {
        _webhook.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
        GC.SuppressFinalize(this);
    }

    private string Database => $"Data Source={Path.Combine(_dataDir, "gitops-status.db")};Pooling=false";

    [Fact]
    public async Task A_database_locked_past_the_busy_timeout_during_a_delivery_makes_the_server_not_ready_and_the_delivery_is_recorded_once_released()
    {
        await using var server = await ServerProcess.StartAsync(_dataDir, "--webhook-urls", _webhook.Url + "/hook");
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var report = Reports.Drifted("locked", "web-1", DateTimeOffset.UtcNow.AddMinutes(-1), 3600, "a.conf");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/api/status", new StringContent(report, Encoding.UTF8, "application/json"))).StatusCode);
        for (var i = 0; i < 200 && _webhook.Arrived == 0; i++)
            await Task.Delay(100);
        Assert.Equal(1, _webhook.Arrived);

        var readiness = new List<HttpStatusCode>();
        using (var holder = new SqliteConnection(Database))
        {
            holder.Open();
            Execute(holder, "BEGIN IMMEDIATE");
            // The sink answers at 3 s; recording its answer waits out the busy timeout (30 s), fails, and is retried.
            var locked = Stopwatch.StartNew();
            while (!readiness.Contains(HttpStatusCode.ServiceUnavailable) && locked.Elapsed < TimeSpan.FromSeconds(90))
            {
                await AssertAnswering(server, http);
                readiness.Add((await http.GetAsync("/readyz")).StatusCode);
                await Task.Delay(1000);
            }
            // Not ready for as long as writes fail.
            for (var i = 0; i < 2; i++)
            {
                await AssertAnswering(server, http);
                readiness.Add((await http.GetAsync("/readyz")).StatusCode);
            }
            Execute(holder, "ROLLBACK");
        }

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable], readiness[^3..]);
        // Released: ready again, and the delivery recorded as sent (not sent a second time).
        var ready = false;
        for (var i = 0; i < 60 && !(ready = (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK && PendingNotifications() == 0); i++)
            await Task.Delay(1000);
        Assert.True(ready, $"readyz {(await http.GetAsync("/readyz")).StatusCode}, {PendingNotifications()} pending");
        Assert.Equal(1, _webhook.Arrived);
        Assert.Single(server.Output, l => l.Contains("Recording a webhook delivery failed (SQLite Error 5: 'database is locked'", StringComparison.Ordinal));
        // Logged by the dispatcher after the commit PendingNotifications saw (a CI run read the output before it arrived).
        Assert.True(await server.WroteAsync("Recording a webhook delivery works again", TimeSpan.FromSeconds(10)), "no \"works again\" line");
        Assert.Equal(0, await server.TerminateAsync());
    }

    private static async Task AssertAnswering(ServerProcess server, HttpClient http)
    {
        Assert.False(server.HasExited, "the server stopped");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/status.json")).StatusCode);
    }

    private long PendingNotifications()
    {
        using var connection = new SqliteConnection(Database);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
