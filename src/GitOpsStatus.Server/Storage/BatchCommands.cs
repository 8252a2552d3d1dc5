using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>What the writer needs to know of a target's stored state to order and diff a new report.</summary>
/// <para><c>AlertStatus</c>: the status last announced (STALE included); null on rows from before migration 2.</para>
internal sealed record StoredState(long Id, string SyncStatus, string DriftKey, string? Revision, long LastCheck, long StatusSince, long? LastSyncedAt, byte[] Hash,
    long? IntervalSeconds, string? AlertStatus, long? AlertedAt);

/// <summary>
/// The writer's prepared statements, created once on the writer connection and reused for every
/// batch, so ingesting a report is two bound executions (find, then insert or update by rowid), no SQL parsing and no garbage (see <see cref="WriterStatement"/>).
/// They run inside whatever transaction the writer connection has open.
/// </summary>
internal sealed class BatchCommands(SqliteConnection connection) : IDisposable
{
    // The batch's own transaction, prepared once too (Microsoft.Data.Sqlite's BeginTransaction parses both each time).
    private readonly WriterStatement _begin = new(connection, "BEGIN IMMEDIATE");
    private readonly WriterStatement _commit = new(connection, "COMMIT");
    private readonly WriterStatement _rollback = new(connection, "ROLLBACK");

    private readonly WriterStatement _find = new(connection, """
        SELECT id, sync_status, drift_key, revision, last_check, status_since, last_synced_at, report_hash,
            interval_seconds, alert_status, alerted_at
        FROM targets WHERE repo = $repo AND server = $server
        """);

    // A new target is inserted; a known one is updated by its rowid, which Find returned (no second lookup by name).
    private readonly WriterStatement _insert = new(connection, """
        INSERT INTO targets (sync_status, drift_count, files, drift_key, last_check, received_at, status_since, last_synced_at,
            revision, source, interval_seconds, error, report_hash, report, alert_status, alerted_at, repo, server)
        VALUES ($status, $count, $files, $key, $last_check, $received_at, $since, $synced,
            $revision, $source, $interval, $error, $hash, $report, $alert, $alerted, $repo, $server)
        """);

    private readonly WriterStatement _update = new(connection, """
        UPDATE targets SET sync_status = $status, drift_count = $count, files = $files, drift_key = $key, last_check = $last_check,
            received_at = $received_at, status_since = $since, last_synced_at = $synced, revision = $revision, source = $source,
            interval_seconds = $interval, error = $error, report_hash = $hash, report = $report, alert_status = $alert, alerted_at = $alerted
        WHERE id = $id
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
            return new StoredState(find.Int64(0), find.Text(1), find.Text(2), find.NullableText(3), find.Int64(4), find.Int64(5), find.NullableInt64(6),
                find.Blob(7), find.NullableInt64(8), find.NullableText(9), find.NullableInt64(10));
        }
        finally
        {
            find.Reset();
        }
    }

    /// <summary>Stores the report as its target's row: an update of <paramref name="stored"/>'s row, or a new row when null.</summary>
    public void Store(StoredState? stored, IncomingReport incoming, long lastCheck, long statusSince, long? lastSyncedAt, string alertStatus, long? alertedAt)
    {
        var r = incoming.Report;
        var statement = Values(stored is null ? _insert : _update, incoming, lastCheck, statusSince, lastSyncedAt, alertStatus, alertedAt);
        if (stored is null)
            statement.Bind("$repo", r.Repo).Bind("$server", r.Server).Execute();
        else
            statement.Bind("$id", stored.Id).Execute();
    }

    private static WriterStatement Values(WriterStatement statement, IncomingReport incoming, long lastCheck, long statusSince, long? lastSyncedAt,
        string alertStatus, long? alertedAt)
    {
        var r = incoming.Report;
        return statement.Bind("$status", r.SyncStatus).Bind("$count", r.DriftCount ?? 0).Bind("$files", incoming.FilesJoined).Bind("$key", incoming.DriftKey)
            .Bind("$last_check", lastCheck).Bind("$received_at", incoming.ReceivedAt.ToUnixTimeMilliseconds()).Bind("$since", statusSince)
            .Bind("$synced", lastSyncedAt).Bind("$revision", r.Revision).Bind("$source", r.Source).Bind("$interval", r.IntervalSeconds)
            .Bind("$error", r.Error).Bind("$hash", incoming.Hash).BindText("$report", incoming.CanonicalJson).Bind("$alert", alertStatus)
            .Bind("$alerted", alertedAt);
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
        _insert.Dispose();
        _update.Dispose();
        _event.Dispose();
        _outbox.Dispose();
    }
}
