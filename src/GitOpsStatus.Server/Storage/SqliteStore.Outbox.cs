using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>A claimed notification: one transition for one webhook URL, on its <c>Attempt</c>-th try.</summary>
public sealed record OutboxItem(long Id, string Url, Transition Transition, int Attempt);

/// <summary>
/// The notification outbox. Transitions are queued in the same transaction that made them (the report
/// batch or the stale sweep), one row per webhook URL; dispatchers claim due rows with a lease, so with
/// several replicas each row is sent by one of them, and a crashed dispatcher's rows come due again.
/// Like every write here, these run only on the writer thread.
/// </summary>
public sealed partial class SqliteStore
{
    private long StaleLimitMs(long? intervalSeconds) =>
        intervalSeconds is { } interval ? Interval(interval) * 1000 * ServerOptions.StaleIntervals : (long)_options.StaleAfter.TotalMilliseconds;

    private void QueueNotifications(Transition transition, long now)
    {
        foreach (var url in _options.WebhookUrls)
            _commands.InsertOutbox(transition, url, now);
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
        var found = new List<(long Id, Transition Transition)>();
        using (var select = _writer.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = $"""
                SELECT id, repo, server, alert_status, drift_count, revision, last_check, interval_seconds, report
                FROM targets WHERE alert_status IS NOT 'STALE' AND {DerivedStatusSql} = 'STALE' LIMIT $n
                """;
            BindNow(select, now);
            select.Parameters.AddWithValue("$n", batchSize);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var staleAt = reader.GetInt64(6) + StaleLimitMs(Interval(reader, 7));
                var report = JsonSerializer.Deserialize(reader.GetString(8), ReportJson.Default.StatusReport)!;
                found.Add((reader.GetInt64(0), new Transition(Transition.Changed, reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), SyncStatus.Stale, staleAt, Count(reader, 4),
                    Transition.FilesJsonOf(report.Files?.Select(f => f.Name!) ?? []), reader.IsDBNull(5) ? null : reader.GetString(5))));
            }
        }
        foreach (var (id, t) in found)
        {
            Execute(tx, "UPDATE targets SET alert_status = 'STALE', alerted_at = $now WHERE id = $id", ("$now", nowMs), ("$id", id));
            Execute(tx, """
                INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
                SELECT repo, server, $at, $now, 'status', $from, 'STALE', drift_count, files, revision, revision FROM targets WHERE id = $id
                """, ("$at", t.At), ("$now", nowMs), ("$from", t.From), ("$id", id));
            QueueNotifications(t, nowMs);
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
                WHERE alert_status IN ('OUT_OF_SYNC', 'STALE') AND alerted_at <= $due LIMIT $n
                """;
            select.Parameters.AddWithValue("$due", nowMs - (long)every.TotalMilliseconds);
            select.Parameters.AddWithValue("$n", batchSize);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var report = JsonSerializer.Deserialize(reader.GetString(6), ReportJson.Default.StatusReport)!;
                var status = reader.GetString(3);
                due.Add((reader.GetInt64(0), new Transition(Transition.Reminder, reader.GetString(1), reader.GetString(2), status, status, nowMs,
                    Count(reader, 4), Transition.FilesJsonOf(report.Files?.Select(f => f.Name!) ?? []), reader.IsDBNull(5) ? null : reader.GetString(5))));
            }
        }
        foreach (var (id, t) in due)
        {
            Execute(tx, "UPDATE targets SET alerted_at = $now WHERE id = $id", ("$now", nowMs), ("$id", id));
            QueueNotifications(t, nowMs);
        }
        tx.Commit();
        return due.Count;
    }

    /// <summary>Claims up to <paramref name="max"/> due notifications until <paramref name="now"/> + <paramref name="lease"/>, oldest first.</summary>
    public List<OutboxItem> ClaimNotifications(DateTimeOffset now, TimeSpan lease, int max)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        using var tx = _writer.BeginTransaction(deferred: false);
        using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"""
            UPDATE outbox SET claimed_until = $until, attempts = attempts + 1
            WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND due_at <= $now
                         AND (claimed_until IS NULL OR claimed_until <= $now) ORDER BY id LIMIT $n)
            RETURNING {OutboxColumns}
            """;
        command.Parameters.AddWithValue("$until", nowMs + (long)lease.TotalMilliseconds);
        command.Parameters.AddWithValue("$now", nowMs);
        command.Parameters.AddWithValue("$n", max);
        var items = new List<OutboxItem>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(ReadOutboxItem(reader));
            }
        }
        tx.Commit();
        items.Sort((a, b) => a.Id.CompareTo(b.Id));
        return items;
    }

    /// <summary>Records a delivery attempt: sent, to be retried at <paramref name="retryAt"/>, or (retryAt null) given up.</summary>
    public void FinishNotification(long id, DateTimeOffset now, bool sent, DateTimeOffset? retryAt, string? failure)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        if (sent)
            Execute(tx, "UPDATE outbox SET sent_at = $now, claimed_until = NULL, last_error = NULL WHERE id = $id", ("$now", now.ToUnixTimeMilliseconds()), ("$id", id));
        else if (retryAt is { } at)
            Execute(tx, "UPDATE outbox SET due_at = $at, claimed_until = NULL, last_error = $error WHERE id = $id", ("$at", at.ToUnixTimeMilliseconds()), ("$error", failure), ("$id", id));
        else
            Execute(tx, "UPDATE outbox SET failed_at = $now, claimed_until = NULL, last_error = $error WHERE id = $id", ("$now", now.ToUnixTimeMilliseconds()), ("$error", failure), ("$id", id));
        tx.Commit();
    }
}
