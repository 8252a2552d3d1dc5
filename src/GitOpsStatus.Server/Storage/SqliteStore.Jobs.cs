using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;
using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Writes other than reports. Like <see cref="ApplyBatch"/>, each is called only on the writer thread
/// (through the group-commit writer's <c>RunAsync</c>) and commits one short transaction.
/// </summary>
public sealed partial class SqliteStore
{
    /// <summary>Forgets a target with its history and its undelivered notifications; false when there was none.</summary>
    public bool DeleteTarget(string repo, string server)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        var deleted = Execute(tx, "DELETE FROM targets WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        Execute(tx, "DELETE FROM events WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        Execute(tx, "DELETE FROM file_drift_starts WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        Execute(tx, "DELETE FROM outbox WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        Execute(tx, "DELETE FROM acks WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        tx.Commit();
        return deleted > 0;
    }

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> history events (and delivered or abandoned
    /// notifications) older than <paramref name="cutoff"/>, oldest first; returns how many went.
    /// Small batches keep each transaction short, so reports queued behind it wait milliseconds.
    /// </summary>
    public int PruneHistory(DateTimeOffset cutoff, int batchSize)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        var at = cutoff.ToUnixTimeMilliseconds();
        var events = Execute(tx, "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < $cutoff ORDER BY at LIMIT $n)",
            ("$cutoff", at), ("$n", batchSize));
        var outbox = Execute(tx, """
            DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < $cutoff AND (sent_at IS NOT NULL OR failed_at IS NOT NULL) LIMIT $n)
            """, ("$cutoff", at), ("$n", batchSize));
        tx.Commit();
        return events + outbox;
    }

    /// <summary>
    /// Marks up to <paramref name="batchSize"/> targets that went STALE since the last sweep: their
    /// announced status becomes STALE, a history event and the notifications are written, in one
    /// transaction. Returns how many; call again while it returns <paramref name="batchSize"/>.
    /// </summary>
    public int SweepStale(DateTimeOffset now, int batchSize)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        using var tx = _writer.BeginTransaction(deferred: false);
        var found = new List<(long Id, Transition Transition, string? Before, bool Announce)>();
        using (var select = _writer.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = $"""
                SELECT id, repo, server, alert_status, drift_count, revision, last_check, interval_seconds, report, notify_due, notify_from, flapping_since
                FROM targets WHERE alert_status IS NOT 'STALE' AND {DerivedStatusSql} = 'STALE' LIMIT $n
                """;
            BindNow(select, now);
            select.Parameters.AddWithValue("$n", batchSize);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var staleAt = TargetRules.StaleAt(reader.GetInt64(6), StoredRows.Interval(reader, 7), _options.StaleAfter);
                var report = JsonSerializer.Deserialize(reader.GetString(8), ReportJson.Default.StatusReport)!;
                // While it flaps nothing is announced; a debounced change still waiting is dropped, STALE announced from before it.
                var pending = StoredRows.NullableLong(reader, 9);
                var from = TargetRules.StaleFrom(StoredRows.NullableString(reader, 3), pending, StoredRows.NullableString(reader, 10));
                var announce = reader.IsDBNull(11) && (pending is null || TargetRules.Announces(from, SyncStatus.Stale));
                found.Add((reader.GetInt64(0), new Transition(Transition.Changed, reader.GetString(1), reader.GetString(2),
                    from, SyncStatus.Stale, staleAt, StoredRows.Count(reader, 4),
                    Transition.FilesJsonOf(report.Files?.Select(f => f.Name!) ?? []), reader.IsDBNull(5) ? null : reader.GetString(5)),
                    StoredRows.NullableString(reader, 3), announce));
            }
        }
        foreach (var (id, t, before, announce) in found)
        {
            Execute(tx, "UPDATE targets SET alert_status = 'STALE', alerted_at = $now, notify_due = NULL, notify_from = NULL WHERE id = $id", ("$now", nowMs), ("$id", id));
            Execute(tx, """
                INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
                SELECT repo, server, $at, $now, 'status', $from, 'STALE', drift_count, files, revision, revision FROM targets WHERE id = $id
                """, ("$at", t.At), ("$now", nowMs), ("$from", before), ("$id", id));
            if (announce)
                QueueNotifications(tx, t, nowMs);
        }
        tx.Commit();
        return found.Count;
    }

    /// <summary>Queues a reminder for up to <paramref name="batchSize"/> targets OUT_OF_SYNC or STALE and last announced at least <paramref name="every"/> ago.</summary>
    public int QueueReminders(DateTimeOffset now, TimeSpan every, int batchSize)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        using var tx = _writer.BeginTransaction(deferred: false);
        var due = new List<(long Id, Transition Transition)>();
        using (var select = _writer.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = """
                SELECT id, repo, server, alert_status, drift_count, revision, report FROM targets
                WHERE alert_status IN ('OUT_OF_SYNC', 'STALE') AND alerted_at <= $due AND ack_id IS NULL AND flapping_since IS NULL AND notify_due IS NULL LIMIT $n
                """;
            select.Parameters.AddWithValue("$due", nowMs - (long)every.TotalMilliseconds);
            select.Parameters.AddWithValue("$n", batchSize);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var report = JsonSerializer.Deserialize(reader.GetString(6), ReportJson.Default.StatusReport)!;
                var status = reader.GetString(3);
                due.Add((reader.GetInt64(0), new Transition(Transition.Reminder, reader.GetString(1), reader.GetString(2), status, status, nowMs,
                    StoredRows.Count(reader, 4), Transition.FilesJsonOf(report.Files?.Select(f => f.Name!) ?? []), reader.IsDBNull(5) ? null : reader.GetString(5))));
            }
        }
        foreach (var (id, t) in due)
        {
            Execute(tx, "UPDATE targets SET alerted_at = $now WHERE id = $id", ("$now", nowMs), ("$id", id));
            QueueNotifications(tx, t, nowMs);
        }
        tx.Commit();
        return due.Count;
    }

    private int Execute(SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }
}
