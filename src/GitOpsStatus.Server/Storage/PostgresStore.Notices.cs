using GitOpsStatus.Server.Targets;
using Npgsql;
using NpgsqlTypes;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// The sweep's side of flapping and the debounce (<see cref="TargetRules.Notice"/>), one statement per kind. Each claims its targets with
/// <c>FOR UPDATE SKIP LOCKED</c>, the condition re-checked on the locked row, as the acknowledgement sweep does: across replicas each
/// debounced change and each settling is announced once.
/// </summary>
public sealed partial class PostgresStore
{
    public int SweepNotices(DateTimeOffset now, int batchSize)
    {
        // Debounced changes whose delay passed: from the status last announced to the one held now, if still news.
        var due = Run($"""
            WITH due AS (
                SELECT id, notify_from FROM targets WHERE notify_due <= @now LIMIT @n FOR UPDATE SKIP LOCKED
            ),
            fired AS (
                UPDATE targets t SET notify_due = NULL, notify_from = NULL FROM due WHERE t.id = due.id
                RETURNING t.repo, t.server, due.notify_from, t.alert_status, t.status_since, t.drift_count, t.revision, t.error, t.detection, t.cause,
                    {FilesJsonSql} AS files_json
            ),
            ob AS (
                INSERT INTO outbox (url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, error, detection, cause, created_at, due_at)
                SELECT u.url, CASE WHEN alert_status = 'SYNCED' THEN '{Transition.Recovery}' ELSE '{Transition.Changed}' END, repo, server,
                    notify_from, alert_status, status_since, drift_count, files_json, revision, error, detection, cause, @now, @now
                FROM fired CROSS JOIN unnest(@urls) AS u(url) WHERE {TargetRules.AnnouncesSql("notify_from", "alert_status")} ORDER BY repo, server, u.url
            )
            SELECT count(*) FROM fired
            """, now, batchSize);
        // Flapping targets a whole window without a change: one settled event with the status now.
        var settled = Run($"""
            WITH due AS (
                SELECT id FROM targets
                WHERE flapping_since IS NOT NULL AND {TargetRules.SettledSql("flap_times[cardinality(flap_times)]", "@now", "@window")}
                LIMIT @n FOR UPDATE SKIP LOCKED
            ),
            settled AS (
                UPDATE targets t SET flapping_since = NULL FROM due WHERE t.id = due.id
                RETURNING t.repo, t.server, t.alert_status, t.drift_count, t.revision, t.error, t.detection, t.cause, {FilesJsonSql} AS files_json
            ),
            ob AS (
                INSERT INTO outbox (url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, error, detection, cause, created_at, due_at)
                SELECT u.url, '{Transition.Settled}', repo, server, alert_status, alert_status, @now, drift_count, files_json, revision, error, detection, cause, @now, @now
                FROM settled CROSS JOIN unnest(@urls) AS u(url) ORDER BY repo, server, u.url
            )
            SELECT count(*) FROM settled
            """, now, batchSize);
        return Math.Max(due, settled);
    }

    private int Run(string sql, DateTimeOffset now, int batchSize)
    {
        using var command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("window", _options.Notices.WindowMs);
        command.Parameters.AddWithValue("n", batchSize);
        command.Parameters.Add(new NpgsqlParameter("urls", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _options.WebhookUrls.ToArray() });
        return (int)(long)command.ExecuteScalar()!;
    }
}
