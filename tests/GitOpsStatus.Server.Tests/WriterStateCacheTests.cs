using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Ingestion;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// The SQLite writer keeps the rows its heartbeats rewrote (TargetStateCache) and must read a row again once anything
/// else wrote it: a job on its own connection, another connection or process, a failed batch. Each test first makes the
/// row kept (two heartbeats), then writes it some other way, then sends a heartbeat that is wrong if the kept row is used.
/// </summary>
public sealed class WriterStateCacheTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-cache-").FullName;
    private readonly ServerOptions _options;
    private readonly SqliteStore _store;

    public WriterStateCacheTests()
    {
        _options = new ServerOptions { DataDir = _dataDir, StaleAfter = TimeSpan.FromMinutes(1), WebhookUrls = ["http://127.0.0.1:9/hook"] };
        _store = new SqliteStore(_options);
        Heartbeat(0);
        Heartbeat(10); // kept from here on
        Heartbeat(20);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_row_deleted_by_another_connection_is_written_again()
    {
        using (var other = new SqliteConnection($"Data Source={_store.DatabasePath}"))
        {
            other.Open();
            using var delete = other.CreateCommand();
            delete.CommandText = "DELETE FROM targets WHERE repo = 'infra/app' AND server = 'web-1'";
            Assert.Equal(1, delete.ExecuteNonQuery());
        }

        // A kept row would turn this into an update of a row that is gone: stored, and nothing there.
        Assert.Equal(IngestOutcome.Stored, Heartbeat(30).Outcome);
        var target = await _store.ReadTargetAsync("infra/app", "web-1", CancellationToken.None);
        Assert.NotNull(target);
        Assert.Equal(T0.AddSeconds(30).ToUnixTimeMilliseconds(), target.Row.LastCheck);
    }

    [Fact]
    public async Task A_row_deleted_by_a_job_on_the_writer_connection_is_written_again()
    {
        Assert.True(_store.DeleteTarget("infra/app", "web-1"));

        Assert.Equal(IngestOutcome.Stored, Heartbeat(30).Outcome);
        var target = await _store.ReadTargetAsync("infra/app", "web-1", CancellationToken.None);
        Assert.NotNull(target);
        Assert.Equal(T0.AddSeconds(30).ToUnixTimeMilliseconds(), target.Row.LastCheck);
    }

    [Fact]
    public void A_target_the_stale_sweep_announced_is_announced_recovered_by_its_next_heartbeat()
    {
        Assert.Equal(1, _store.SweepStale(T0.AddHours(1), 100));
        Assert.Equal([("SYNCED", "STALE")], Claim());

        // A kept row still says SYNCED was announced last, and the recovery would go unannounced.
        Heartbeat(3601);
        Assert.Equal([("STALE", "SYNCED")], Claim());
    }

    [Fact]
    public void A_heartbeat_of_a_batch_that_failed_is_stored_when_sent_again()
    {
        // A batch fails after the kept row took its heartbeat: the second report's history event is refused. Two guards
        // cover it (the batch's catch empties the cache, and total_changes() counts the rolled-back statements): this fails without both.
        using (var other = new SqliteConnection($"Data Source={_store.DatabasePath}"))
        {
            other.Open();
            using var trigger = other.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.server = 'web-2' BEGIN SELECT RAISE(ABORT, 'refused'); END";
            trigger.ExecuteNonQuery();
        }
        Heartbeat(30); // kept again after the trigger's commit emptied the cache
        Assert.Throws<SqliteException>(() => _store.ApplyBatch([Prepare(40), Prepare(40, "web-2")]));

        // Rolled back: a kept row that still said 40 would answer "unchanged", and the report would be lost.
        Assert.Equal(IngestOutcome.Stored, Heartbeat(40).Outcome);
    }

    [Fact]
    public void An_older_report_after_a_kept_heartbeat_is_superseded_and_the_same_one_again_unchanged()
    {
        Assert.Equal(IngestOutcome.Superseded, Heartbeat(15).Outcome);
        Assert.Equal(IngestOutcome.Unchanged, Heartbeat(20).Outcome);
        Assert.Equal(IngestOutcome.Stored, Heartbeat(25).Outcome);
    }

    private (string? From, string To)[] Claim() =>
        _store.ClaimNotifications(T0.AddDays(1), TimeSpan.FromMinutes(1), 100).Select(n => (n.Transition.From, n.Transition.To)).ToArray();

    private IngestResult Heartbeat(int seconds) => _store.ApplyBatch([Prepare(seconds)])[0];

    private static IncomingReport Prepare(int seconds, string server = "web-1") => IngestApi.Prepare(
        JsonSerializer.Deserialize(Reports.Synced("infra/app", server, T0.AddSeconds(seconds)), ReportJson.Default.StatusReport)!, T0.AddSeconds(seconds));
}
