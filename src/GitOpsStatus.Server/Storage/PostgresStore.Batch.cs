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
    /// acknowledgement without a transition. <c>ack_end</c>: the ended acknowledgement's history (and its event in <c>ev</c>). <c>fs</c>, <c>fp</c>: a start per file
    /// that started drifting, and the target's starts older than the recurrence window gone (<see cref="TargetRules.NextDrift"/>). The rules are those of <see cref="TargetRules.Apply"/>, which
    /// <c>TargetRulesTests</c> holds this statement to.
    /// </summary>
    private const string NoTimes = "'{}'::bigint[]";

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
        // TargetRules.NextDrift on the locked row: only a change of the drifted file set (drift_key) reads or writes the bookkeeping.
        var drift = "(t.drift_key <> excluded.drift_key)";
        var oldNames = "COALESCE(string_to_array(t.drift_files, E'\\n'), '{}')";
        var newNames = "COALESCE(string_to_array(excluded.drift_files, E'\\n'), '{}')";
        // Joined by name, not searched per file (array_position, = ANY): a report may name tens of thousands of files.
        var oldStarts = $"(SELECT DISTINCT ON (name) name, s FROM unnest({oldNames}, t.file_starts) WITH ORDINALITY AS o(name, s, j) ORDER BY name, j)";
        var newStarts = $"ARRAY(SELECT COALESCE(o.s, excluded.last_check) FROM unnest({newNames}) WITH ORDINALITY AS f(name, i) LEFT JOIN {oldStarts} AS o ON o.name = f.name ORDER BY f.i)";
        var started = $"EXISTS (SELECT unnest({newNames}) EXCEPT SELECT unnest({oldNames}))";
        var window = TargetRules.RecurrenceWindowMs;
        var kept = $"ARRAY(SELECT s FROM (SELECT s, i FROM unnest(t.drift_starts) WITH ORDINALITY AS k(s, i) WHERE s > excluded.last_check - {window} "
            + $"ORDER BY i DESC LIMIT {TargetRules.MaxRecurrences - 1}) AS latest ORDER BY i)";
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
                                     @interval, @error, @hash, @report, @alert, @files_json, @content_key, @detection, @detection_error, @cause, @drift_files)
                    WITH ORDINALITY AS i(repo, server, sync_status, drift_count, files, drift_key, last_check, received_at, revision, source,
                                         interval_seconds, error, report_hash, report, alert_status, files_json, content_key, detection, detection_error, cause, drift_files, n)
            ),
            up AS (
                INSERT INTO targets AS t (repo, server, sync_status, drift_count, files, drift_key, last_check, received_at, status_since,
                    last_synced_at, revision, source, interval_seconds, error, report_hash, report, alert_status, alerted_at,
                    last_changes, last_from_status, last_from_revision, last_announced, content_key, detection, detection_error, cause, notify_due, last_notice,
                    drift_files, file_starts, drift_since, drift_starts)
                SELECT repo, server, sync_status, drift_count, files, drift_key, last_check, received_at, last_check,
                    CASE WHEN sync_status = 'SYNCED' THEN last_check END, revision, source, interval_seconds, error, report_hash, report,
                    alert_status, received_at, 'first', NULL, NULL, NULL, content_key, detection, detection_error, cause,
                    CASE WHEN {rules.AfterMs} > 0 AND {newcomerInTrouble} THEN received_at + {rules.AfterMs} END,
                    CASE WHEN {rules.AfterMs} = 0 AND {newcomerInTrouble} THEN '{Deliver.Now}' END,
                    drift_files, CASE WHEN drift_files IS NOT NULL THEN array_fill(last_check, ARRAY[cardinality(string_to_array(drift_files, E'\n'))]) END,
                    CASE WHEN drift_files IS NOT NULL THEN last_check END, CASE WHEN drift_files IS NOT NULL THEN ARRAY[last_check] END
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
                        WHEN {rules.AfterMs} = 0 THEN '{Deliver.Now}' END,
                    drift_files = CASE WHEN {drift} THEN excluded.drift_files ELSE t.drift_files END,
                    file_starts = CASE WHEN NOT {drift} THEN t.file_starts WHEN excluded.drift_files IS NOT NULL THEN {newStarts} END,
                    drift_since = CASE WHEN NOT {drift} THEN t.drift_since ELSE (SELECT min(s) FROM unnest({newStarts}) AS s) END,
                    drift_starts = CASE WHEN NOT {drift} THEN t.drift_starts
                        ELSE NULLIF(CASE WHEN {started} AND NOT (excluded.last_check = ANY({kept})) THEN {kept} || excluded.last_check ELSE {kept} END, {NoTimes}) END
                WHERE t.last_check < excluded.last_check OR (t.last_check = excluded.last_check AND t.report_hash <> excluded.report_hash)
                RETURNING t.repo, t.server, t.sync_status, t.drift_count, t.files, t.last_check, t.received_at, t.revision,
                    t.alert_status, t.last_changes, t.last_from_status, t.last_from_revision, t.last_announced, t.last_ack_id, t.last_ack_end, t.last_notice, t.drift_files, t.file_starts, t.drift_starts
            ),
            fs AS (
                INSERT INTO file_drift_starts (repo, server, file, at)
                SELECT up.repo, up.server, f.name, up.last_check
                FROM up, unnest(string_to_array(up.drift_files, E'\n'), up.file_starts) AS f(name, started)
                WHERE (up.last_changes = 'first' OR up.last_changes LIKE '%files%') AND f.started = up.last_check
                ORDER BY 1, 2, 3
                ON CONFLICT DO NOTHING
            ),
            fp AS (
                DELETE FROM file_drift_starts d USING up
                WHERE d.repo = up.repo AND d.server = up.server AND up.last_changes LIKE '%files%'
                    AND d.at < COALESCE(up.drift_starts[1], up.last_check - {window} + 1)
            ),
            ack_end AS (
                UPDATE acks a SET ended_at = up.received_at, end_reason = up.last_ack_end FROM up WHERE a.id = up.last_ack_id AND a.ended_at IS NULL
            ),
            ev AS (
                INSERT INTO events ({AckEventColumns})
                SELECT repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision, ack_by, ack_reason, ack_until, ack_end_reason
                FROM (
                    SELECT 1 AS k, repo, server, last_check AS at, received_at, last_changes AS changes, last_from_status AS from_status, sync_status AS to_status,
                        drift_count, files, last_from_revision AS from_revision, revision, NULL AS ack_by, NULL AS ack_reason, NULL::bigint AS ack_until, NULL AS ack_end_reason
                    FROM up WHERE last_changes <> ''
                    UNION ALL
                    SELECT 2, up.repo, up.server, up.received_at, up.received_at, '{AckEvents.Ended}', up.sync_status, up.sync_status,
                        up.drift_count, up.files, NULL, up.revision, a.by_name, a.reason, a.until_at, up.last_ack_end
                    FROM up JOIN acks a ON a.id = up.last_ack_id WHERE up.last_ack_end IS NOT NULL
                ) AS e ORDER BY repo, server, k
            )
            {outbox}
            SELECT repo, server, last_changes, last_from_status FROM up
            """;
    }
}
