using Microsoft.Data.Sqlite;
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
    private void QueueNotifications(SqliteTransaction tx, Transition transition, long now)
    {
        foreach (var url in _options.WebhookUrls)
            _commands.InsertOutbox(tx, transition, url, now);
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
