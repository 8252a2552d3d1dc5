using GitOpsStatus.Server.Targets;
using Npgsql;
using NpgsqlTypes;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Writes other than reports, each one statement (so one transaction). Whatever several replicas could
/// both pick (a target gone STALE, a reminder, a due notification, old history) is claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> and a condition re-checked on the locked row: one replica takes it, the
/// others skip it, and none waits on another (so no deadlock with report batches either).
/// </summary>
public sealed partial class PostgresStore
{
    private const string OutboxColumns = "url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, created_at, due_at";

    /// <summary>The drifted file names of a stored report as a JSON array, for a notification.</summary>
    private const string FilesJsonSql = "COALESCE(jsonb_path_query_array(report::jsonb, '$.files[*].name'), '[]')::text";

    public void ProbeWrite(int bytes)
    {
        // PostgreSQL's own disk is its concern: a one-row write tells whether it takes writes.
        using var command = _dataSource.CreateCommand("UPDATE schema_version SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_version)");
        command.ExecuteNonQuery();
    }

    public bool DeleteTarget(string repo, string server)
    {
        using var command = _dataSource.CreateCommand("""
            WITH t AS (DELETE FROM targets WHERE repo = @repo AND server = @server RETURNING 1),
            e AS (DELETE FROM events WHERE repo = @repo AND server = @server),
            d AS (DELETE FROM file_drift_starts WHERE repo = @repo AND server = @server),
            o AS (DELETE FROM outbox WHERE repo = @repo AND server = @server),
            a AS (DELETE FROM acks WHERE repo = @repo AND server = @server)
            SELECT count(*) FROM t
            """);
        BindFilter(command, repo, server);
        return (long)command.ExecuteScalar()! > 0;
    }

    public int PruneHistory(DateTimeOffset cutoff, int batchSize)
    {
        using var command = _dataSource.CreateCommand("""
            WITH e AS (
                DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < @cutoff ORDER BY at LIMIT @n FOR UPDATE SKIP LOCKED) RETURNING 1
            ),
            o AS (
                DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < @cutoff AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)
                                                LIMIT @n FOR UPDATE SKIP LOCKED) RETURNING 1
            )
            SELECT (SELECT count(*) FROM e) + (SELECT count(*) FROM o)
            """);
        command.Parameters.AddWithValue("cutoff", cutoff.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("n", batchSize);
        return (int)(long)command.ExecuteScalar()!;
    }

    public int SweepStale(DateTimeOffset now, int batchSize)
    {
        var staleAt = TargetRules.StaleAtSql("t.last_check", "t.interval_seconds", "@stale_ms");
        using var command = _dataSource.CreateCommand($"""
            WITH due AS (
                SELECT id, alert_status, notify_due, notify_from, flapping_since FROM targets
                WHERE alert_status <> 'STALE' AND {DerivedStatusSql} = 'STALE'
                LIMIT @n FOR UPDATE SKIP LOCKED
            ),
            marked AS (
                UPDATE targets t SET alert_status = 'STALE', alerted_at = @now, notify_due = NULL, notify_from = NULL FROM due WHERE t.id = due.id
                RETURNING t.repo, t.server, due.alert_status AS from_status, t.drift_count, t.files, t.revision, {staleAt} AS stale_at, {FilesJsonSql} AS files_json,
                    {StaleFromSql} AS announced_from,
                    due.flapping_since IS NULL AND (due.notify_due IS NULL OR {TargetRules.AnnouncesSql(StaleFromSql, "'STALE'")}) AS announce
            ),
            ev AS (
                INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
                SELECT repo, server, stale_at, @now, 'status', from_status, 'STALE', drift_count, files, revision, revision FROM marked
            ),
            ob AS (
                INSERT INTO outbox ({OutboxColumns})
                SELECT u.url, 'transition', repo, server, announced_from, 'STALE', stale_at, drift_count, files_json, revision, @now, @now
                FROM marked CROSS JOIN unnest(@urls) AS u(url) WHERE announce ORDER BY repo, server, u.url
            )
            SELECT count(*) FROM marked
            """);
        BindNow(command, now);
        command.Parameters.AddWithValue("n", batchSize);
        command.Parameters.Add(new NpgsqlParameter("urls", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _options.WebhookUrls.ToArray() });
        return (int)(long)command.ExecuteScalar()!;
    }

    /// <summary><see cref="TargetRules.StaleFrom"/> over the sweep's locked row <c>due</c>.</summary>
    private const string StaleFromSql = "(CASE WHEN due.notify_due IS NULL THEN due.alert_status ELSE due.notify_from END)";

    public int QueueReminders(DateTimeOffset now, TimeSpan every, int batchSize)
    {
        using var command = _dataSource.CreateCommand($"""
            WITH due AS (
                SELECT id FROM targets WHERE alert_status IN ('OUT_OF_SYNC', 'STALE') AND alerted_at <= @due AND ack_id IS NULL
                    AND flapping_since IS NULL AND notify_due IS NULL
                LIMIT @n FOR UPDATE SKIP LOCKED
            ),
            reminded AS (
                UPDATE targets t SET alerted_at = @now FROM due WHERE t.id = due.id
                RETURNING t.repo, t.server, t.alert_status, t.drift_count, t.revision, {FilesJsonSql} AS files_json
            ),
            ob AS (
                INSERT INTO outbox ({OutboxColumns})
                SELECT u.url, 'reminder', repo, server, alert_status, alert_status, @now, drift_count, files_json, revision, @now, @now
                FROM reminded CROSS JOIN unnest(@urls) AS u(url) ORDER BY repo, server, u.url
            )
            SELECT count(*) FROM reminded
            """);
        var nowMs = now.ToUnixTimeMilliseconds();
        command.Parameters.AddWithValue("now", nowMs);
        command.Parameters.AddWithValue("due", nowMs - (long)every.TotalMilliseconds);
        command.Parameters.AddWithValue("n", batchSize);
        command.Parameters.Add(new NpgsqlParameter("urls", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _options.WebhookUrls.ToArray() });
        return (int)(long)command.ExecuteScalar()!;
    }

    public List<OutboxItem> ClaimNotifications(DateTimeOffset now, TimeSpan lease, int max)
    {
        using var command = _dataSource.CreateCommand("""
            UPDATE outbox o SET claimed_until = @until, attempts = o.attempts + 1
            FROM (SELECT id FROM outbox
                  WHERE sent_at IS NULL AND failed_at IS NULL AND due_at <= @now AND (claimed_until IS NULL OR claimed_until <= @now)
                  ORDER BY id LIMIT @n FOR UPDATE SKIP LOCKED) c
            WHERE o.id = c.id
            RETURNING o.id, o.url, o.kind, o.repo, o.server, o.from_status, o.to_status, o.at, o.drift_count, o.files, o.revision, o.attempts, o.error, o.detection, o.cause
            """);
        var nowMs = now.ToUnixTimeMilliseconds();
        command.Parameters.AddWithValue("until", nowMs + (long)lease.TotalMilliseconds);
        command.Parameters.AddWithValue("now", nowMs);
        command.Parameters.AddWithValue("n", max);
        var items = new List<OutboxItem>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(ReadOutboxItem(reader));
            }
        }
        items.Sort((a, b) => a.Id.CompareTo(b.Id));
        return items;
    }

    public void FinishNotification(long id, DateTimeOffset now, bool sent, DateTimeOffset? retryAt, string? failure)
    {
        var sql = sent ? "UPDATE outbox SET sent_at = @now, claimed_until = NULL, last_error = NULL WHERE id = @id"
            : retryAt is not null ? "UPDATE outbox SET due_at = @at, claimed_until = NULL, last_error = @error WHERE id = @id"
            : "UPDATE outbox SET failed_at = @now, claimed_until = NULL, last_error = @error WHERE id = @id";
        using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("at", retryAt?.ToUnixTimeMilliseconds() ?? 0L);
        command.Parameters.Add(new NpgsqlParameter<string?>("error", NpgsqlDbType.Text) { TypedValue = failure });
        command.ExecuteNonQuery();
    }
}
