using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>What the writer needs to know of a target's stored state to order and diff a new report.</summary>
/// <para><c>AlertStatus</c>: the status last announced (STALE included); null on rows from before migration 2.</para>
internal sealed record StoredState(long Id, string SyncStatus, string DriftKey, string? Revision, long LastCheck, long StatusSince, long? LastSyncedAt, byte[] Hash,
    long? IntervalSeconds, string? AlertStatus, long? AlertedAt, long? AckId, string? AckKey, long? AckUntil,
    string? FlapTimes = null, long? FlappingSince = null, long? NotifyDue = null, string? NotifyFrom = null,
    string? DriftFiles = null, string? FileStarts = null, string? DriftStarts = null)
{
    // What BatchCommands.Store writes, set in place when the writer keeps the row (TargetStateCache): a kept row lives
    // long, and a new copy (or new strings in it) per heartbeat would be promoted and die in gen2 (background GCs in bench/ingest/ab.sh).
    public string SyncStatus { get; private set; } = SyncStatus;
    public string? Revision { get; private set; } = Revision;
    public long LastCheck { get; private set; } = LastCheck;
    public long StatusSince { get; private set; } = StatusSince;
    public long? LastSyncedAt { get; private set; } = LastSyncedAt;
    public long? IntervalSeconds { get; private set; } = IntervalSeconds;
    public string? AlertStatus { get; private set; } = AlertStatus;
    public long? AlertedAt { get; private set; } = AlertedAt;
    public byte[] Hash { get; private set; } = Hash;

    /// <summary>The row as <see cref="BatchCommands.Store"/> just rewrote it; references change only when their value did.</summary>
    public void Rewritten(IncomingReport incoming, long lastCheck, long statusSince, long? lastSyncedAt, string alertStatus, long? alertedAt)
    {
        var r = incoming.Report;
        if (SyncStatus != r.SyncStatus)
            SyncStatus = r.SyncStatus!;
        if (Revision != r.Revision)
            Revision = r.Revision;
        if (AlertStatus != alertStatus)
            AlertStatus = alertStatus;
        if (Hash.Length == incoming.Hash.Length)
            incoming.Hash.CopyTo(Hash.AsSpan());
        else
            Hash = incoming.Hash;
        (LastCheck, StatusSince, LastSyncedAt, IntervalSeconds, AlertedAt) = (lastCheck, statusSince, lastSyncedAt, r.IntervalSeconds, alertedAt);
    }
}

/// <summary>
/// The writer's commands, prepared once on the writer connection and reused for every batch with only their
/// parameter values reassigned, so ingesting a report parses no SQL: a find, then an insert or an update by rowid.
/// Each call runs in the transaction it is given (the writer connection's open one, as Microsoft.Data.Sqlite requires).
/// </summary>
internal sealed class BatchCommands : IDisposable
{
    private readonly SqliteCommand _find;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _event;
    private readonly SqliteCommand _outbox;
    private readonly SqliteCommand _notice;
    private readonly SqliteCommand _drift;
    private readonly SqliteCommand _fileStart;
    private readonly SqliteCommand _pruneStarts;

    public BatchCommands(SqliteConnection connection)
    {
        _find = Prepared(connection, """
            SELECT id, sync_status, drift_key, revision, last_check, status_since, last_synced_at, report_hash,
                interval_seconds, alert_status, alerted_at, ack_id, ack_key, ack_until, flap_times, flapping_since, notify_due, notify_from,
                drift_files, file_starts, drift_starts
            FROM targets WHERE repo = $repo AND server = $server
            """, "$repo", "$server");
        // A new target is inserted; a known one is updated by its rowid, which Find returned (no second lookup by name).
        _insert = Prepared(connection, """
            INSERT INTO targets (sync_status, drift_count, files, drift_key, last_check, received_at, status_since, last_synced_at,
                revision, source, interval_seconds, error, report_hash, report, alert_status, alerted_at, detection, detection_error, cause, repo, server)
            VALUES ($status, $count, $files, $key, $last_check, $received_at, $since, $synced,
                $revision, $source, $interval, $error, $hash, CAST($report AS TEXT), $alert, $alerted, $detection, $detection_error, $cause, $repo, $server)
            """, ["$repo", "$server", .. RowValues]);
        _update = Prepared(connection, """
            UPDATE targets SET sync_status = $status, drift_count = $count, files = $files, drift_key = $key, last_check = $last_check,
                received_at = $received_at, status_since = $since, last_synced_at = $synced, revision = $revision, source = $source,
                interval_seconds = $interval, error = $error, report_hash = $hash, report = CAST($report AS TEXT), alert_status = $alert, alerted_at = $alerted,
                detection = $detection, detection_error = $detection_error, cause = $cause
            WHERE id = $id
            """, ["$id", .. RowValues]);
        _event = Prepared(connection, """
            INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision)
            VALUES ($repo, $server, $at, $received_at, $changes, $from_status, $to_status, $count, $files, $from_revision, $revision)
            """, "$repo", "$server", "$at", "$received_at", "$changes", "$from_status", "$to_status", "$count", "$files", "$from_revision", "$revision");
        _outbox = Prepared(connection, """
            INSERT INTO outbox (url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, error, detection, cause, created_at, due_at)
            VALUES ($url, $kind, $repo, $server, $from, $to, $at, $count, $files, $revision, $error, $detection, $cause, $now, $now)
            """, "$url", "$kind", "$repo", "$server", "$from", "$to", "$at", "$count", "$files", "$revision", "$error", "$detection", "$cause", "$now");
        // Only when the announced status changed (TargetRules.Notice): a heartbeat leaves these columns as they are.
        _notice = Prepared(connection, """
            UPDATE targets SET flap_times = $times, flapping_since = $since, notify_due = $due, notify_from = $from WHERE repo = $repo AND server = $server
            """, "$times", "$since", "$due", "$from", "$repo", "$server");
        // Only when the drifted file set changed (TargetRules.NextDrift).
        _drift = Prepared(connection, """
            UPDATE targets SET drift_files = $files, file_starts = $file_starts, drift_since = $since, drift_starts = $starts WHERE repo = $repo AND server = $server
            """, "$files", "$file_starts", "$since", "$starts", "$repo", "$server");
        // The started files' starts (a JSON array of names; INSERT OR IGNORE: a report replacing one with the same check time
        // starts nothing twice), then the target's file starts older than its oldest kept start (TargetRules.NextDrift): a file
        // start is always a target start too, so each file keeps at most TargetRules.MaxRecurrences, all within the window.
        _fileStart = Prepared(connection, """
            INSERT OR IGNORE INTO file_drift_starts (repo, server, file, at) SELECT $repo, $server, value, $at FROM json_each($files)
            """, "$repo", "$server", "$files", "$at");
        _pruneStarts = Prepared(connection, """
            DELETE FROM file_drift_starts WHERE repo = $repo AND server = $server AND at < $oldest
            """, "$repo", "$server", "$oldest");
    }

    private static readonly string[] RowValues =
        ["$status", "$count", "$files", "$key", "$last_check", "$received_at", "$since", "$synced", "$revision", "$source", "$interval", "$error",
            "$hash", "$report", "$alert", "$alerted", "$detection", "$detection_error", "$cause"];

    public StoredState? Find(SqliteTransaction tx, string repo, string server)
    {
        using var row = Set(_find, tx, 0, repo, server).ExecuteReader();
        if (!row.Read())
            return null;
        return new StoredState(row.GetInt64(0), row.GetString(1), row.GetString(2), NullableText(row, 3), row.GetInt64(4), row.GetInt64(5),
            NullableInt64(row, 6), row.GetFieldValue<byte[]>(7), NullableInt64(row, 8), NullableText(row, 9), NullableInt64(row, 10),
            NullableInt64(row, 11), NullableText(row, 12), NullableInt64(row, 13), NullableText(row, 14), NullableInt64(row, 15), NullableInt64(row, 16),
            NullableText(row, 17), NullableText(row, 18), NullableText(row, 19), NullableText(row, 20));
    }

    /// <summary>Stores the target's drift bookkeeping after its drifted file set changed, and one start per file that started drifting.</summary>
    public void StoreDrift(SqliteTransaction tx, string repo, string server, Targets.DriftState drift, long at)
    {
        Set(_drift, tx, 0, drift.Files.Length == 0 ? null : string.Join('\n', drift.Files), drift.Files.Length == 0 ? null : TimesJson(drift.FileStarts),
            drift.Since, drift.Starts.Length == 0 ? null : TimesJson(drift.Starts), repo, server).ExecuteNonQuery();
        if (drift.Started.Length == 0)
            return;
        Set(_fileStart, tx, 0, repo, server, Transition.FilesJsonOf(drift.Started), at).ExecuteNonQuery();
        Set(_pruneStarts, tx, 0, repo, server, drift.Starts.Min()).ExecuteNonQuery();
    }

    /// <summary>Stores the target's flapping and debounce state after a change of its announced status.</summary>
    public void StoreNotice(SqliteTransaction tx, string repo, string server, Targets.NoticeState notice) =>
        Set(_notice, tx, 0, TimesJson(notice.FlapTimes), notice.FlappingSince, notice.NotifyDue, notice.NotifyFrom, repo, server).ExecuteNonQuery();

    /// <summary>Times as stored (flap_times, file_starts, drift_starts): a JSON array of Unix ms (the sweep reads flap_times' last with <c>json_extract</c>).</summary>
    public static string TimesJson(long[] times) => "[" + string.Join(',', times) + "]";

    public static long[]? ParseTimes(string? json) =>
        json is null ? null : json.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries).Select(t => long.Parse(t, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Stores the report as its target's row: an update of <paramref name="stored"/>'s row, or a new row when null.</summary>
    public void Store(SqliteTransaction tx, StoredState? stored, IncomingReport incoming, long lastCheck, long statusSince, long? lastSyncedAt,
        string alertStatus, long? alertedAt)
    {
        var r = incoming.Report;
        var command = stored is null ? Set(_insert, tx, 0, r.Repo, r.Server) : Set(_update, tx, 0, stored.Id);
        // The stored report stays TEXT, as the read side expects it: its UTF-8 bound as bytes and cast, not decoded to a string and encoded back.
        Set(command, tx, command.Parameters.Count - RowValues.Length, r.SyncStatus, r.DriftCount ?? 0, incoming.FilesJoined, incoming.DriftKey, lastCheck,
            incoming.ReceivedAt.ToUnixTimeMilliseconds(), statusSince, lastSyncedAt, r.Revision, r.Source, r.IntervalSeconds, r.Error, incoming.Hash,
            incoming.CanonicalJson, alertStatus, alertedAt, r.Detection, incoming.DetectionError, incoming.Cause).ExecuteNonQuery();
    }

    public void InsertEvent(SqliteTransaction tx, IncomingReport incoming, long at, string changes, StoredState? before, string? fromStatus)
    {
        var r = incoming.Report;
        Set(_event, tx, 0, r.Repo, r.Server, at, incoming.ReceivedAt.ToUnixTimeMilliseconds(), changes, fromStatus, r.SyncStatus, r.DriftCount ?? 0,
            incoming.FilesJoined, before?.Revision, r.Revision).ExecuteNonQuery();
    }

    /// <summary>Queues one notification of a transition for one webhook URL (delivered later by the dispatcher).</summary>
    public void InsertOutbox(SqliteTransaction tx, Transition t, string url, long now) =>
        Set(_outbox, tx, 0, url, t.Kind, t.Repo, t.Server, t.From, t.To, t.At, t.DriftCount, t.FilesJson, t.Revision, t.Error, t.Detection, t.Cause, now).ExecuteNonQuery();

    public void Dispose()
    {
        _find.Dispose();
        _insert.Dispose();
        _update.Dispose();
        _event.Dispose();
        _outbox.Dispose();
        _notice.Dispose();
        _drift.Dispose();
        _fileStart.Dispose();
        _pruneStarts.Dispose();
    }

    internal static SqliteCommand Prepared(SqliteConnection connection, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in names)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        return command;
    }

    /// <summary>The command in <paramref name="tx"/> with its parameters from <paramref name="first"/> on (in the order they were declared) set to <paramref name="values"/>.</summary>
    private static SqliteCommand Set(SqliteCommand command, SqliteTransaction tx, int first, params ReadOnlySpan<object?> values)
    {
        command.Transaction = tx;
        for (var i = 0; i < values.Length; i++)
            command.Parameters[first + i].Value = values[i] ?? DBNull.Value;
        return command;
    }

    private static string? NullableText(SqliteDataReader row, int column) => row.IsDBNull(column) ? null : row.GetString(column);

    private static long? NullableInt64(SqliteDataReader row, int column) => row.IsDBNull(column) ? null : row.GetInt64(column);
}
