using Npgsql;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Versioned migrations for PostgreSQL, one transaction each, recorded in <c>schema_version</c>. Replicas
/// starting together take a session advisory lock first, so exactly one migrates and the others wait, then
/// find the schema current. Append new steps, never edit a shipped one.
/// </summary>
internal static class PostgresSchema
{
    /// <summary>The advisory lock key: "gitopsst" as a 64-bit number, unlikely to collide with an application sharing the database.</summary>
    private const long LockKey = 0x676974_6F70_7373_74;

    private static readonly string[] Migrations =
    [
        // 1: the SQLite schema through its migration 2, in one step. repo and server compare by bytes
        // (COLLATE "C"), as in SQLite, so both stores sort targets alike. last_changes, last_from_status,
        // last_from_revision and last_announced hold what the last upsert changed (the old values it saw on
        // the locked row): PostgreSQL 15's RETURNING shows only the new row, and the history event and the
        // notification are written from it in the same statement. fillfactor 70 leaves room on each page
        // for HOT updates (no index changes) of targets rewritten every few minutes.
        """
        CREATE TABLE targets (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            repo text COLLATE "C" NOT NULL,
            server text COLLATE "C" NOT NULL,
            sync_status text NOT NULL,
            drift_count integer NOT NULL,
            files text NOT NULL,
            drift_key text NOT NULL,
            last_check bigint NOT NULL,
            received_at bigint NOT NULL,
            status_since bigint NOT NULL,
            last_synced_at bigint,
            revision text,
            source text,
            interval_seconds bigint,
            error text,
            report_hash bytea NOT NULL,
            report text NOT NULL,
            alert_status text NOT NULL,
            alerted_at bigint NOT NULL,
            last_changes text NOT NULL,
            last_from_status text,
            last_from_revision text,
            last_announced text,
            UNIQUE (repo, server)
        ) WITH (fillfactor = 70);
        CREATE TABLE events (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            repo text COLLATE "C" NOT NULL,
            server text COLLATE "C" NOT NULL,
            at bigint NOT NULL,
            received_at bigint NOT NULL,
            changes text NOT NULL,
            from_status text,
            to_status text NOT NULL,
            drift_count integer NOT NULL,
            files text NOT NULL,
            from_revision text,
            revision text
        );
        CREATE INDEX events_by_target ON events (repo, server, id);
        CREATE INDEX events_by_time ON events (at);
        CREATE TABLE outbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            url text NOT NULL,
            kind text NOT NULL,
            repo text COLLATE "C" NOT NULL,
            server text COLLATE "C" NOT NULL,
            from_status text,
            to_status text NOT NULL,
            at bigint NOT NULL,
            drift_count integer NOT NULL,
            files text NOT NULL,
            revision text,
            created_at bigint NOT NULL,
            due_at bigint NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            claimed_until bigint,
            sent_at bigint,
            failed_at bigint,
            last_error text
        );
        CREATE INDEX outbox_pending ON outbox (due_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
        CREATE INDEX outbox_by_target ON outbox (repo, server);
        """,
        // 3: the report's error travels with its notification (an UNKNOWN says why it could not check).
        "ALTER TABLE outbox ADD COLUMN error text;",
        // 4: acknowledgements, as SQLite's migration 4. content_key is the stored report's (the batch statement compares the
        // incoming one, excluded.content_key, with ack_key); last_ack_id and last_ack_end hold the acknowledgement the last
        // upsert ended and why (like last_changes), for the statement's RETURNING.
        """
        ALTER TABLE targets ADD COLUMN content_key text, ADD COLUMN ack_id bigint, ADD COLUMN ack_key text, ADD COLUMN ack_reason text,
            ADD COLUMN ack_by text, ADD COLUMN ack_until bigint, ADD COLUMN last_ack_id bigint, ADD COLUMN last_ack_end text;
        CREATE INDEX targets_ack_until ON targets (ack_until) WHERE ack_until IS NOT NULL;
        CREATE TABLE acks (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            repo text COLLATE "C" NOT NULL,
            server text COLLATE "C" NOT NULL,
            content_key text NOT NULL,
            files text NOT NULL,
            reason text NOT NULL,
            by_name text NOT NULL,
            until_at bigint NOT NULL,
            created_at bigint NOT NULL,
            ended_at bigint,
            end_reason text
        );
        CREATE INDEX acks_by_target ON acks (repo, server, id);
        """,
        // 5 (issue 22): as SQLite's 5: detection, detection_error and the target's cause; the outbox carries detection and cause.
        """
        ALTER TABLE targets ADD COLUMN detection text, ADD COLUMN detection_error text, ADD COLUMN cause text;
        ALTER TABLE outbox ADD COLUMN detection text, ADD COLUMN cause text;
        """,
        // 6 (issue 23): as SQLite's 6, flap_times an array; last_notice holds what the last upsert queued for its change (like
        // last_changes): 'now' (the transition), 'flapping' (flapping began) or NULL, for the statement's outbox rows.
        """
        ALTER TABLE targets ADD COLUMN flap_times bigint[], ADD COLUMN flapping_since bigint, ADD COLUMN notify_due bigint,
            ADD COLUMN notify_from text, ADD COLUMN last_notice text;
        CREATE INDEX targets_flapping ON targets (flapping_since) WHERE flapping_since IS NOT NULL;
        CREATE INDEX targets_notify_due ON targets (notify_due) WHERE notify_due IS NOT NULL;
        """,
        // 7 (issue 23): as SQLite's 7, file_starts and drift_starts arrays. The batch statement compares the locked row's drift_files
        // with the report's, so replicas writing one target never disagree on which files started.
        """
        ALTER TABLE targets ADD COLUMN drift_files text, ADD COLUMN file_starts bigint[], ADD COLUMN drift_since bigint, ADD COLUMN drift_starts bigint[];
        CREATE TABLE file_drift_starts (
            repo text COLLATE "C" NOT NULL,
            server text COLLATE "C" NOT NULL,
            file text NOT NULL,
            at bigint NOT NULL,
            PRIMARY KEY (repo, server, file, at)
        );
        UPDATE targets SET drift_files = f.names, file_starts = array_fill(status_since, ARRAY[f.n]), drift_since = status_since
        FROM (SELECT id, string_agg(e.value->>'name', E'\n' ORDER BY e.ord) AS names, count(*)::int AS n
              FROM targets, jsonb_array_elements(CASE WHEN jsonb_typeof(report::jsonb->'files') = 'array' THEN report::jsonb->'files' ELSE '[]' END)
                  WITH ORDINALITY AS e(value, ord)
              GROUP BY id) AS f
        WHERE targets.id = f.id;
        """,
        // 8 (issue 23): as SQLite's 8, acknowledgement events in the history.
        "ALTER TABLE events ADD COLUMN ack_by text, ADD COLUMN ack_reason text, ADD COLUMN ack_until bigint, ADD COLUMN ack_end_reason text;",
    ];

    public static int LatestVersion => Migrations.Length;

    public static void Migrate(NpgsqlDataSource dataSource)
    {
        using var connection = dataSource.OpenConnection();
        Execute(connection, $"SELECT pg_advisory_lock({LockKey})");
        try
        {
            Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
            using (var read = new NpgsqlCommand("SELECT COALESCE(max(version), 0) FROM schema_version", connection))
            {
                var version = (int)read.ExecuteScalar()!;
                if (version > Migrations.Length)
                    throw new InvalidOperationException(
                        $"The database is at schema version {version}, newer than this server knows ({Migrations.Length}); run the newer server or restore a backup.");
                for (var v = version; v < Migrations.Length; v++)
                {
                    using var tx = connection.BeginTransaction();
                    Execute(connection, Migrations[v]);
                    Execute(connection, $"INSERT INTO schema_version (version) VALUES ({v + 1})");
                    tx.Commit();
                }
            }
        }
        finally
        {
            Execute(connection, $"SELECT pg_advisory_unlock({LockKey})");
        }
    }

    private static void Execute(NpgsqlConnection connection, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
