using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>What the writer needs to know of a target's stored state to order and diff a new report.</summary>
/// <para><c>AlertStatus</c>: the status last announced (STALE included); null on rows from before migration 2.</para>
internal sealed record StoredState(string SyncStatus, string DriftKey, string? Revision, long LastCheck, long StatusSince, long? LastSyncedAt, byte[] Hash,
    long? IntervalSeconds, string? AlertStatus, long? AlertedAt);

/// <summary>
/// The writer's prepared statements, created once on the writer connection and reused for every
/// batch, so ingesting a report is two bound executions, no SQL parsing and no garbage (see <see cref="WriterStatement"/>).
/// They run inside whatever transaction the writer connection has open.
/// </summary>
internal sealed class BatchCommands(SqliteConnection connection) : IDisposable
{
    // The batch's own transaction, prepared once too (Microsoft.Data.Sqlite's BeginTransaction parses both each time).
    private readonly WriterStatement _begin = new(connection, "BEGIN IMMEDIATE");
    private readonly WriterStatement _commit = new(connection, "COMMIT");
    private readonly WriterStatement _rollback = new(connection, "ROLLBACK");

    private readonly WriterStatement _find = new(connection, """
        SELECT sync_status, drift_key, revision, last_check, status_since, last_synced_at, report_hash,
            interval_seconds, alert_status, alerted_at
        FROM targets WHERE repo = $repo AND server = $server
        """);

    private readonly WriterStatement _upsert = new(connection, """
        INSERT INTO targets (repo, server, sync_status, drift_count, files, drift_key, last_check, received_at,
            status_since, last_synced_at, revision, source, interval_seconds, error, report_hash, report, alert_status, alerted_at)
        VALUES ($repo, $server, $status, $count, $files, $key, $last_check, $received_at,
            $since, $synced, $revision, $source, $interval, $error, $hash, $report, $alert, $alerted)
        ON CONFLICT (repo, server) DO UPDATE SET
            sync_status = excluded.sync_status, drift_count = excluded.drift_count, files = excluded.files,
            drift_key = excluded.drift_key, last_check = excluded.last_check, received_at = excluded.received_at,
            status_since = excluded.status_since, last_synced_at = excluded.last_synced_at,
            revision = excluded.revision, source = excluded.source, interval_seconds = excluded.interval_seconds,
            error = excluded.error, report_hash = excluded.report_hash, report = excluded.report,
            alert_status = excluded.alert_status, alerted_at = excluded.alerted_at
        """);

    private readonly WriterStatement _event = new(connection, """
        INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
        VALUES ($repo, $server, $at, $received_at, $changes, $from_status, $to_status, $count, $files, $from_revision, $revision)
        """);

    private readonly WriterStatement _outbox = new(connection, """
        INSERT INTO outbox (url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, created_at, due_at)
        VALUES ($url, $kind, $repo, $server, $from, $to, $at, $count, $files, $revision, $now, $now)
        """);

    public void Begin() => _begin.Execute();

    public void Commit() => _commit.Execute();

    /// <summary>Rolls back the transaction if one is still open (a failed COMMIT can leave it open, or close it itself).</summary>
    public void RollBackIfOpen()
    {
        if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
            _rollback.Execute();
    }

    public StoredState? Find(string repo, string server)
    {
        var find = _find.Bind("$repo", repo).Bind("$server", server);
        try
        {
            if (!find.Query())
                return null;
            return new StoredState(find.Text(0), find.Text(1), find.NullableText(2), find.Int64(3), find.Int64(4), find.NullableInt64(5),
                find.Blob(6), find.NullableInt64(7), find.NullableText(8), find.NullableInt64(9));
        }
        finally
        {
            find.Reset();
        }
    }

    public void Upsert(IncomingReport incoming, long lastCheck, long statusSince, long? lastSyncedAt, string alertStatus, long? alertedAt)
    {
        var r = incoming.Report;
        _upsert.Bind("$repo", r.Repo).Bind("$server", r.Server).Bind("$status", r.SyncStatus).Bind("$count", r.DriftCount ?? 0)
            .Bind("$files", incoming.FilesJoined).Bind("$key", incoming.DriftKey).Bind("$last_check", lastCheck)
            .Bind("$received_at", incoming.ReceivedAt.ToUnixTimeMilliseconds()).Bind("$since", statusSince).Bind("$synced", lastSyncedAt)
            .Bind("$revision", r.Revision).Bind("$source", r.Source).Bind("$interval", r.IntervalSeconds).Bind("$error", r.Error)
            .Bind("$hash", incoming.Hash).Bind("$report", incoming.CanonicalJson).Bind("$alert", alertStatus).Bind("$alerted", alertedAt)
            .Execute();
    }

    public void InsertEvent(IncomingReport incoming, long at, string changes, StoredState? before, string? fromStatus)
    {
        var r = incoming.Report;
        _event.Bind("$repo", r.Repo).Bind("$server", r.Server).Bind("$at", at).Bind("$received_at", incoming.ReceivedAt.ToUnixTimeMilliseconds())
            .Bind("$changes", changes).Bind("$from_status", fromStatus).Bind("$to_status", r.SyncStatus).Bind("$count", r.DriftCount ?? 0)
            .Bind("$files", incoming.FilesJoined).Bind("$from_revision", before?.Revision).Bind("$revision", r.Revision)
            .Execute();
    }

    /// <summary>Queues one notification of a transition for one webhook URL (delivered later by the dispatcher).</summary>
    public void InsertOutbox(Transition t, string url, long now)
    {
        _outbox.Bind("$url", url).Bind("$kind", t.Kind).Bind("$repo", t.Repo).Bind("$server", t.Server).Bind("$from", t.From).Bind("$to", t.To)
            .Bind("$at", t.At).Bind("$count", t.DriftCount).Bind("$files", t.FilesJson).Bind("$revision", t.Revision).Bind("$now", now)
            .Execute();
    }

    public void Dispose()
    {
        _begin.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _find.Dispose();
        _upsert.Dispose();
        _event.Dispose();
        _outbox.Dispose();
    }
}
