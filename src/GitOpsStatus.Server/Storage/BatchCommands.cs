using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>What the writer needs to know of a target's stored state to order and diff a new report.</summary>
/// <para><c>AlertStatus</c>: the status last announced (STALE included); null on rows from before migration 2.</para>
internal sealed record StoredState(string SyncStatus, string DriftKey, string? Revision, long LastCheck, long StatusSince, long? LastSyncedAt, byte[] Hash,
    long? IntervalSeconds, string? AlertStatus, long? AlertedAt);

/// <summary>
/// The writer's prepared statements, created once on the writer connection and reused for every
/// batch, so ingesting a report is three bound executions and no SQL parsing.
/// </summary>
internal sealed class BatchCommands : IDisposable
{
    private readonly SqliteCommand _find;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _event;
    private readonly SqliteCommand _outbox;

    public BatchCommands(SqliteConnection connection)
    {
        _find = Prepare(connection, """
            SELECT sync_status, drift_key, revision, last_check, status_since, last_synced_at, report_hash,
                interval_seconds, alert_status, alerted_at
            FROM targets WHERE repo = $repo AND server = $server
            """, "$repo", "$server");
        _upsert = Prepare(connection, """
            INSERT INTO targets (repo, server, sync_status, drift_count, files, drift_key, last_check, received_at,
                status_since, last_synced_at, revision, source, interval_seconds, error, report_hash, report, alert_status, alerted_at)
            VALUES ($repo, $server, $status, $count, $files, $key, $last_check, $received_at,
                $since, $synced, $revision, $source, $interval, $error, $hash, $report, $alert, $alerted)
            ON CONFLICT (repo, server) DO UPDATE SET
                sync_status = excluded.sync_status, drift_count = excluded.drift_count, files = excluded.files,
                drift_key = excluded.drift_key, last_check = excluded.last_check, received_at = excluded.received_at,
                status_since = excluded.status_since, last_synced_at = excluded.last_synced_at,
                revision = excluded.revision, source = excluded.source, interval_seconds = excluded.interval_seconds,
                error = excluded.error, report_hash = excluded.report_hash, report = excluded.report,
                alert_status = excluded.alert_status, alerted_at = excluded.alerted_at
            """, "$repo", "$server", "$status", "$count", "$files", "$key", "$last_check", "$received_at",
            "$since", "$synced", "$revision", "$source", "$interval", "$error", "$hash", "$report", "$alert", "$alerted");
        _event = Prepare(connection, """
            INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
            VALUES ($repo, $server, $at, $received_at, $changes, $from_status, $to_status, $count, $files, $from_revision, $revision)
            """, "$repo", "$server", "$at", "$received_at", "$changes", "$from_status", "$to_status", "$count", "$files",
            "$from_revision", "$revision");
        _outbox = Prepare(connection, """
            INSERT INTO outbox (url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, created_at, due_at)
            VALUES ($url, $kind, $repo, $server, $from, $to, $at, $count, $files, $revision, $now, $now)
            """, "$url", "$kind", "$repo", "$server", "$from", "$to", "$at", "$count", "$files", "$revision", "$now");
    }

    public void Enlist(SqliteTransaction tx) => _find.Transaction = _upsert.Transaction = _event.Transaction = _outbox.Transaction = tx;

    public StoredState? Find(string repo, string server)
    {
        Bind(_find, repo, server);
        using var reader = _find.ExecuteReader();
        if (!reader.Read())
            return null;
        return new StoredState(
            reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetInt64(3), reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5), (byte[])reader.GetValue(6),
            reader.IsDBNull(7) ? null : reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetInt64(9));
    }

    public void Upsert(IncomingReport incoming, long lastCheck, long statusSince, long? lastSyncedAt, string alertStatus, long? alertedAt)
    {
        var r = incoming.Report;
        Bind(_upsert, r.Repo, r.Server, r.SyncStatus, r.DriftCount ?? 0, incoming.FilesJoined, incoming.DriftKey, lastCheck,
            incoming.ReceivedAt.ToUnixTimeMilliseconds(), statusSince, lastSyncedAt, r.Revision, r.Source, r.IntervalSeconds,
            r.Error, incoming.Hash, incoming.CanonicalJson, alertStatus, alertedAt);
        _upsert.ExecuteNonQuery();
    }

    public void InsertEvent(IncomingReport incoming, long at, string changes, StoredState? before, string? fromStatus)
    {
        var r = incoming.Report;
        Bind(_event, r.Repo, r.Server, at, incoming.ReceivedAt.ToUnixTimeMilliseconds(), changes, fromStatus,
            r.SyncStatus, r.DriftCount ?? 0, incoming.FilesJoined, before?.Revision, r.Revision);
        _event.ExecuteNonQuery();
    }

    /// <summary>Queues one notification of a transition for one webhook URL (delivered later by the dispatcher).</summary>
    public void InsertOutbox(Transition t, string url, long now)
    {
        Bind(_outbox, url, t.Kind, t.Repo, t.Server, t.From, t.To, t.At, t.DriftCount, t.FilesJson, t.Revision, now);
        _outbox.ExecuteNonQuery();
    }

    public void Dispose()
    {
        _outbox.Dispose();
        _find.Dispose();
        _upsert.Dispose();
        _event.Dispose();
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in names)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
    }
}
