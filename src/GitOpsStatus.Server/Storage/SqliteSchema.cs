using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Versioned migrations, applied at start-up inside one transaction each; the version lives in
/// <c>PRAGMA user_version</c>. Append new steps, never edit a shipped one.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        // 1: one row per target with its latest report; one event per change, never per heartbeat.
        """
        CREATE TABLE targets (
            id INTEGER PRIMARY KEY,
            repo TEXT NOT NULL,
            server TEXT NOT NULL,
            sync_status TEXT NOT NULL,
            drift_count INTEGER NOT NULL,
            files TEXT NOT NULL,
            drift_key TEXT NOT NULL,
            last_check INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            status_since INTEGER NOT NULL,
            last_synced_at INTEGER,
            revision TEXT,
            source TEXT,
            interval_seconds INTEGER,
            error TEXT,
            report_hash BLOB NOT NULL,
            report TEXT NOT NULL,
            UNIQUE (repo, server)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            repo TEXT NOT NULL,
            server TEXT NOT NULL,
            at INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            changes TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            drift_count INTEGER NOT NULL,
            files TEXT NOT NULL,
            from_revision TEXT,
            revision TEXT
        );
        CREATE INDEX events_by_target ON events (repo, server, id);
        CREATE INDEX events_by_time ON events (at);
        """,
        // 2: notifications. alert_status is the status last announced (STALE included, set by the
        // sweep), so each transition is detected once; the outbox holds one row per transition and
        // webhook URL, written in the transaction that made the transition, claimed by a dispatcher.
        """
        ALTER TABLE targets ADD COLUMN alert_status TEXT;
        ALTER TABLE targets ADD COLUMN alerted_at INTEGER;
        UPDATE targets SET alert_status = sync_status, alerted_at = received_at;
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            kind TEXT NOT NULL,
            repo TEXT NOT NULL,
            server TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT NOT NULL,
            at INTEGER NOT NULL,
            drift_count INTEGER NOT NULL,
            files TEXT NOT NULL,
            revision TEXT,
            created_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_until INTEGER,
            sent_at INTEGER,
            failed_at INTEGER,
            last_error TEXT
        );
        CREATE INDEX outbox_pending ON outbox (due_at) WHERE sent_at IS NULL AND failed_at IS NULL;
        CREATE INDEX outbox_by_target ON outbox (repo, server);
        """,
        // 3: the report's error travels with its notification (an UNKNOWN says why it could not check).
        "ALTER TABLE outbox ADD COLUMN error TEXT;",
        // 4: acknowledgements. The target's row holds its current one (ack_* are NULL on the other targets, so ingestion
        // reads them with the row it already finds); acks keeps every acknowledgement, who made it, what content it
        // covered and when and why it ended. The partial index lets the sweep find the expired ones without a scan.
        """
        ALTER TABLE targets ADD COLUMN ack_id INTEGER;
        ALTER TABLE targets ADD COLUMN ack_key TEXT;
        ALTER TABLE targets ADD COLUMN ack_reason TEXT;
        ALTER TABLE targets ADD COLUMN ack_by TEXT;
        ALTER TABLE targets ADD COLUMN ack_until INTEGER;
        CREATE INDEX targets_ack_until ON targets (ack_until) WHERE ack_until IS NOT NULL;
        CREATE TABLE acks (
            id INTEGER PRIMARY KEY,
            repo TEXT NOT NULL,
            server TEXT NOT NULL,
            content_key TEXT NOT NULL,
            files TEXT NOT NULL,
            reason TEXT NOT NULL,
            by_name TEXT NOT NULL,
            until_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            ended_at INTEGER,
            end_reason TEXT
        );
        CREATE INDEX acks_by_target ON acks (repo, server, id);
        """,
        // 5 (issue 22): how the agent watches and why the target's files differ (edited, other_revision), per target for
        // /status.json and the list; each file's cause and changed_by stay in the stored report. The outbox carries both.
        """
        ALTER TABLE targets ADD COLUMN detection TEXT;
        ALTER TABLE targets ADD COLUMN detection_error TEXT;
        ALTER TABLE targets ADD COLUMN cause TEXT;
        ALTER TABLE outbox ADD COLUMN detection TEXT;
        ALTER TABLE outbox ADD COLUMN cause TEXT;
        """,
        // 6 (issue 23): flapping and the notification debounce, written only when a target's announced status changes.
        // flap_times: its latest change times (a JSON array, oldest first); flapping_since: NULL unless it flaps; notify_due and
        // notify_from: a debounced announcement waiting (GITOPS_NOTIFY_AFTER). The partial indexes let the sweep find both without a scan.
        """
        ALTER TABLE targets ADD COLUMN flap_times TEXT;
        ALTER TABLE targets ADD COLUMN flapping_since INTEGER;
        ALTER TABLE targets ADD COLUMN notify_due INTEGER;
        ALTER TABLE targets ADD COLUMN notify_from TEXT;
        CREATE INDEX targets_flapping ON targets (flapping_since) WHERE flapping_since IS NOT NULL;
        CREATE INDEX targets_notify_due ON targets (notify_due) WHERE notify_due IS NOT NULL;
        """,
        // 7 (issue 23): drift age and recurrence, written only when a target's drifted file set changes. drift_files: its drifted
        // file names (joined by a newline, report order) and file_starts when each started drifting (a JSON array, same order);
        // drift_since: the oldest of those; drift_starts: when any of its files started drifting, within the last 30 days (a
        // JSON array). file_drift_starts: one row per file and start, for each file's count; pruned to 30 days as starts are added.
        // Targets drifting already take their status_since as their files' start.
        """
        ALTER TABLE targets ADD COLUMN drift_files TEXT;
        ALTER TABLE targets ADD COLUMN file_starts TEXT;
        ALTER TABLE targets ADD COLUMN drift_since INTEGER;
        ALTER TABLE targets ADD COLUMN drift_starts TEXT;
        CREATE TABLE file_drift_starts (
            repo TEXT NOT NULL,
            server TEXT NOT NULL,
            file TEXT NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (repo, server, file, at)
        ) WITHOUT ROWID;
        UPDATE targets SET drift_files = (SELECT group_concat(json_extract(f.value, '$.name'), char(10)) FROM json_each(targets.report, '$.files') AS f),
            file_starts = (SELECT json_group_array(targets.status_since + 0 * f.key) FROM json_each(targets.report, '$.files') AS f),
            drift_since = status_since
        WHERE json_array_length(report, '$.files') > 0;
        """,
        // 8 (issue 23): history records who acknowledged what and when and why it ended: an event 'acknowledged' or 'unacknowledged'
        // with the acknowledgement's by, reason and until, and for its end the reason (AckEnded).
        """
        ALTER TABLE events ADD COLUMN ack_by TEXT;
        ALTER TABLE events ADD COLUMN ack_reason TEXT;
        ALTER TABLE events ADD COLUMN ack_until INTEGER;
        ALTER TABLE events ADD COLUMN ack_end_reason TEXT;
        """,
    ];

    public static int LatestVersion => Migrations.Length;

    public static void Migrate(SqliteConnection connection)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        var version = Convert.ToInt32(Scalar(connection, tx, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (version > Migrations.Length)
            throw new InvalidOperationException(
                $"The database is at schema version {version}, newer than this server knows ({Migrations.Length}); run the newer server or restore a backup.");
        for (var v = version; v < Migrations.Length; v++)
        {
            Execute(connection, tx, Migrations[v]);
            Execute(connection, tx, $"PRAGMA user_version = {v + 1}");
        }
        tx.Commit();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
