using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Storage;

public sealed partial class PostgresStore
{
    /// <summary>The derived status in SQL, at <c>@now</c> (<see cref="TargetRules.Derive"/>).</summary>
    internal static readonly string DerivedStatusSql = TargetRules.DerivedStatusSql("@now", "@stale_ms");

    /// <summary>
    /// The batch statement. <c>input</c>: one row per target, in key order. <c>up</c>: insert, or update
    /// when newer (or the same time with other content); the <c>SET</c> reads the locked row's old values
    /// (<c>t.*</c>) to derive status_since, what changed and what was announced, and keeps them in the row
    /// (<c>last_*</c>) for <c>RETURNING</c>. <c>ev</c>: one history event per written row that changed
    /// something. <c>ob</c> (with webhooks): one outbox row per URL when the announced status changed; a
    /// new target only when it arrives in trouble; one <c>unacknowledged</c> row when the report ended the target's
    /// acknowledgement without a transition. <c>ack_end</c>: the ended acknowledgement's history. The rules are those of <see cref="TargetRules.Apply"/>, which
    /// <c>TargetRulesTests</c> holds this statement to.
    /// </summary>
    private static string IngestSql(bool notify, NoticeRules rules)
    {
        var wasStale = $"(t.alert_status = 'STALE' OR {TargetRules.IsStaleSql("excluded.received_at", "t.last_check", "t.interval_seconds", "@stale_ms")})";
        var recovered = "(t.alert_status = 'STALE' AND excluded.alert_status <> 'STALE')";
        var ackEnd = TargetRules.AckEndSql("t", "excluded");
        // TargetRules.Notice on the locked row: only a change of the announced status reads or writes the flapping and debounce state.
        var changed = "(t.alert_status IS DISTINCT FROM excluded.alert_status)";
        var appended = "(COALESCE(t.flap_times, '{}'::bigint[]) || excluded.received_at)";
        var n = rules.FlapThreshold;
        var startsFlapping = n == 0 ? "FALSE"
            : $"(t.flapping_since IS NULL AND cardinality({appended}) > {n} AND {appended}[cardinality({appended}) - {n}] > excluded.received_at - {rules.WindowMs})";
        var quiet = $"(t.flapping_since IS NOT NULL OR {startsFlapping} OR {rules.AfterMs} = 0)";
        var pendingFrom = "(CASE WHEN t.notify_due IS NOT NULL THEN t.notify_from ELSE t.alert_status END)";
        var pends = $"(NOT {quiet} AND {TargetRules.AnnouncesSql(pendingFrom, "excluded.alert_status")})";
        var newcomerInTrouble = $"alert_status IN ('{Core.Reports.SyncStatus.OutOfSync}', '{Core.Reports.SyncStatus.Unknown}')";
        // The second SELECT: an acknowledgement the report ended, with no transition to announce (TargetRules.NotifyAckEnded).
        var outbox = notify ? """
            , ob AS (
                INSERT INTO outbox (url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, error, detection, cause, created_at, due_at)
                SELECT * FROM (
                    SELECT u.url, CASE WHEN up.alert_status = 'SYNCED' THEN 'recovery' ELSE 'transition' END, up.repo, up.server,
                        up.last_announced, up.alert_status, up.last_check, up.drift_count, input.files_json, up.revision, input.error, input.detection, input.cause, up.received_at, up.received_at
                    FROM up JOIN input ON input.repo = up.repo AND input.server = up.server CROSS JOIN unnest(@urls) AS u(url)
                    WHERE up.last_notice = 'now'
                    UNION ALL
                    SELECT u.url, 'flapping', up.repo, up.server,
                        up.last_announced, up.alert_status, up.last_check, up.drift_count, input.files_json, up.revision, input.error, input.detection, input.cause, up.received_at, up.received_at
                    FROM up JOIN input ON input.repo = up.repo AND input.server = up.server CROSS JOIN unnest(@urls) AS u(url)
                    WHERE up.last_notice = 'flapping'
                    UNION ALL
                    SELECT u.url, 'unacknowledged', up.repo, up.server,
                        up.alert_status, up.alert_status, up.last_check, up.drift_count, input.files_json, up.revision, input.error, input.detection, input.cause, up.received_at, up.received_at
                    FROM up JOIN input ON input.repo = up.repo AND input.server = up.server CROSS JOIN unnest(@urls) AS u(url)
                    WHERE up.last_ack_end IS NOT NULL AND up.alert_status IS NOT DISTINCT FROM up.last_announced
                ) AS n (url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, error, detection, cause, created_at, due_at)
                ORDER BY repo, server, url
            )
            """ : "";
        return $"""
            WITH input AS (
                SELECT * FROM unnest(@repo, @server, @status, @count, @files, @key, @last_check, @received_at, @revision, @source,
                                     @interval, @error, @hash, @report, @alert, @files_json, @content_key, @detection, @detection_error, @cause)
                    WITH ORDINALITY AS i(repo, server, sync_status, drift_count, files, drift_key, last_check, received_at, revision, source,
                                         interval_seconds, error, report_hash, report, alert_status, files_json, content_key, detection, detection_error, cause, n)
            ),
            up AS (
                INSERT INTO targets AS t (repo, server, sync_status, drift_count, files, drift_key, last_check, received_at, status_since,
                    last_synced_at, revision, source, interval_seconds, error, report_hash, report, alert_status, alerted_at,
                    last_changes, last_from_status, last_from_revision, last_announced, content_key, detection, detection_error, cause, notify_due, last_notice)
                SELECT repo, server, sync_status, drift_count, files, drift_key, last_check, received_at, last_check,
                    CASE WHEN sync_status = 'SYNCED' THEN last_check END, revision, source, interval_seconds, error, report_hash, report,
                    alert_status, received_at, 'first', NULL, NULL, NULL, content_key, detection, detection_error, cause,
                    CASE WHEN {rules.AfterMs} > 0 AND {newcomerInTrouble} THEN received_at + {rules.AfterMs} END,
                    CASE WHEN {rules.AfterMs} = 0 AND {newcomerInTrouble} THEN '{Deliver.Now}' END
                FROM input ORDER BY n
                ON CONFLICT (repo, server) DO UPDATE SET
                    sync_status = excluded.sync_status, drift_count = excluded.drift_count, files = excluded.files,
                    drift_key = excluded.drift_key, last_check = excluded.last_check, received_at = excluded.received_at,
                    status_since = CASE WHEN t.sync_status <> excluded.sync_status OR {wasStale} THEN excluded.last_check ELSE t.status_since END,
                    last_synced_at = CASE WHEN excluded.sync_status = 'SYNCED' THEN excluded.last_check ELSE t.last_synced_at END,
                    revision = excluded.revision, source = excluded.source, interval_seconds = excluded.interval_seconds,
                    error = excluded.error, report_hash = excluded.report_hash, report = excluded.report,
                    alert_status = excluded.alert_status,
                    detection = excluded.detection, detection_error = excluded.detection_error, cause = excluded.cause,
                    alerted_at = CASE WHEN t.alert_status IS DISTINCT FROM excluded.alert_status THEN excluded.received_at ELSE t.alerted_at END,
                    last_changes = concat_ws(',',
                        CASE WHEN t.sync_status <> excluded.sync_status OR {recovered} THEN 'status' END,
                        CASE WHEN t.drift_key <> excluded.drift_key THEN 'files' END,
                        CASE WHEN t.revision IS DISTINCT FROM excluded.revision THEN 'revision' END),
                    last_from_status = CASE WHEN {recovered} THEN 'STALE' ELSE t.sync_status END,
                    last_from_revision = t.revision,
                    last_announced = t.alert_status,
                    content_key = excluded.content_key,
                    ack_id = CASE WHEN {ackEnd} IS NULL THEN t.ack_id END,
                    ack_key = CASE WHEN {ackEnd} IS NULL THEN t.ack_key END,
                    ack_reason = CASE WHEN {ackEnd} IS NULL THEN t.ack_reason END,
                    ack_by = CASE WHEN {ackEnd} IS NULL THEN t.ack_by END,
                    ack_until = CASE WHEN {ackEnd} IS NULL THEN t.ack_until END,
                    last_ack_id = CASE WHEN {ackEnd} IS NOT NULL THEN t.ack_id END,
                    last_ack_end = {ackEnd},
                    flap_times = CASE WHEN {changed} THEN {appended}[greatest(1, cardinality({appended}) - {n}):] ELSE t.flap_times END,
                    flapping_since = CASE WHEN t.flapping_since IS NOT NULL THEN t.flapping_since WHEN {changed} AND {startsFlapping} THEN excluded.received_at END,
                    notify_due = CASE WHEN NOT {changed} THEN t.notify_due WHEN {pends} THEN excluded.received_at + {rules.AfterMs} END,
                    notify_from = CASE WHEN NOT {changed} THEN t.notify_from WHEN {pends} THEN {pendingFrom} END,
                    last_notice = CASE WHEN NOT {changed} OR t.flapping_since IS NOT NULL THEN NULL WHEN {startsFlapping} THEN '{Deliver.Flapping}'
                        WHEN {rules.AfterMs} = 0 THEN '{Deliver.Now}' END
                WHERE t.last_check < excluded.last_check OR (t.last_check = excluded.last_check AND t.report_hash <> excluded.report_hash)
                RETURNING t.repo, t.server, t.sync_status, t.drift_count, t.files, t.last_check, t.received_at, t.revision,
                    t.alert_status, t.last_changes, t.last_from_status, t.last_from_revision, t.last_announced, t.last_ack_id, t.last_ack_end, t.last_notice
            ),
            ack_end AS (
                UPDATE acks a SET ended_at = up.received_at, end_reason = up.last_ack_end FROM up WHERE a.id = up.last_ack_id AND a.ended_at IS NULL
            ),
            ev AS (
                INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
                SELECT repo, server, last_check, received_at, last_changes, last_from_status, sync_status, drift_count, files, last_from_revision, revision
                FROM up WHERE last_changes <> '' ORDER BY repo, server
            )
            {outbox}
            SELECT repo, server, last_changes, last_from_status FROM up
            """;
    }
}
