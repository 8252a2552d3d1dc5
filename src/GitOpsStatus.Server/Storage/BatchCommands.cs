using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>What the writer needs to know of a target's stored state to order and diff a new report.</summary>
internal sealed record StoredState(string SyncStatus, string DriftKey, string? Revision, long LastCheck, long StatusSince, long? LastSyncedAt, byte[] Hash);

/// <summary>
/// The writer's prepared statements, created once on the writer connection and reused for every
/// batch, so ingesting a report is three bound executions and no SQL parsing.
/// </summary>
internal sealed class BatchCommands : IDisposable
{
    private readonly SqliteCommand _find;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _event;

    public BatchCommands(SqliteConnection connection)
    {
        _find = Prepare(connection, """
            SELECT sync_status, drift_key, revision, last_check, status_since, last_synced_at, report_hash
            FROM targets WHERE repo = $repo AND server = $server
            """, "$repo", "$server");
        _upsert = Prepare(connection, """
            INSERT INTO targets (repo, server, sync_status, drift_count, files, drift_key, last_check, received_at,
                status_since, last_synced_at, revision, source, interval_seconds, error, report_hash, report)
            VALUES ($repo, $server, $status, $count, $files, $key, $last_check, $received_at,
                $since, $synced, $revision, $source, $interval, $error, $hash, $report)
            ON CONFLICT (repo, server) DO UPDATE SET
                sync_status = excluded.sync_status, drift_count = excluded.drift_count, files = excluded.files,
                drift_key = excluded.drift_key, last_check = excluded.last_check, received_at = excluded.received_at,
                status_since = excluded.status_since, last_synced_at = excluded.last_synced_at,
                revision = excluded.revision, source = excluded.source, interval_seconds = excluded.interval_seconds,
                error = excluded.error, report_hash = excluded.report_hash, report = excluded.report
            """, "$repo", "$server", "$status", "$count", "$files", "$key", "$last_check", "$received_at",
            "$since", "$synced", "$revision", "$source", "$interval", "$error", "$hash", "$report");
        _event = Prepare(connection, """
            INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
            VALUES ($repo, $server, $at, $received_at, $changes, $from_status, $to_status, $count, $files, $from_revision, $revision)
            """, "$repo", "$server", "$at", "$received_at", "$changes", "$from_status", "$to_status", "$count", "$files",
            "$from_revision", "$revision");
    }

    public void Enlist(SqliteTransaction tx) => _find.Transaction = _upsert.Transaction = _event.Transaction = tx;

    public StoredState? Find(string repo, string server)
    {
        Bind(_find, repo, server);
        using var reader = _find.ExecuteReader();
        if (!reader.Read())
            return null;
        return new StoredState(
            reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetInt64(3), reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetInt64(5), (byte[])reader.GetValue(6));
    }

    public void Upsert(IncomingReport incoming, long lastCheck, long statusSince, long? lastSyncedAt)
    {
        var r = incoming.Report;
        Bind(_upsert, r.Repo, r.Server, r.SyncStatus, r.DriftCount ?? 0, incoming.FilesJoined, incoming.DriftKey, lastCheck,
            incoming.ReceivedAt.ToUnixTimeMilliseconds(), statusSince, lastSyncedAt, r.Revision, r.Source, r.IntervalSeconds,
            r.Error, incoming.Hash, incoming.CanonicalJson);
        _upsert.ExecuteNonQuery();
    }

    public void InsertEvent(IncomingReport incoming, long at, string changes, StoredState? before)
    {
        var r = incoming.Report;
        Bind(_event, r.Repo, r.Server, at, incoming.ReceivedAt.ToUnixTimeMilliseconds(), changes, before?.SyncStatus,
            r.SyncStatus, r.DriftCount ?? 0, incoming.FilesJoined, before?.Revision, r.Revision);
        _event.ExecuteNonQuery();
    }

    public void Dispose()
    {
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
