using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>Acknowledgements (<see cref="IStatusStore.Acknowledge"/>): writes on the writer thread, one transaction each.</summary>
public sealed partial class SqliteStore
{
    public Ack? Acknowledge(AckRequest a)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        long id;
        long? replaced;
        using (var find = _writer.CreateCommand())
        {
            find.Transaction = tx;
            find.CommandText = "SELECT id, ack_id FROM targets WHERE repo = $repo AND server = $server AND last_check = $last_check AND sync_status = $status";
            find.Parameters.AddWithValue("$repo", a.Repo);
            find.Parameters.AddWithValue("$server", a.Server);
            find.Parameters.AddWithValue("$last_check", a.LastCheck);
            find.Parameters.AddWithValue("$status", SyncStatus.OutOfSync);
            using var reader = find.ExecuteReader();
            if (!reader.Read())
                return null;
            (id, replaced) = (reader.GetInt64(0), NullableLong(reader, 1));
        }
        if (replaced is { } old)
        {
            Execute(tx, "UPDATE acks SET ended_at = $now, end_reason = $why WHERE id = $id", ("$now", a.Now), ("$why", AckEnded.Replaced), ("$id", old));
            AckEvent(tx, old, AckEvents.Ended, a.Now);
        }
        long ackId;
        using (var insert = _writer.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO acks (repo, server, content_key, files, reason, by_name, until_at, created_at)
                VALUES ($repo, $server, $key, $files, $reason, $by, $until, $now) RETURNING id
                """;
            foreach (var (name, value) in new (string, object)[] { ("$repo", a.Repo), ("$server", a.Server), ("$key", a.ContentKey), ("$files", a.FilesJson),
                ("$reason", a.Reason), ("$by", a.By), ("$until", a.Until), ("$now", a.Now) })
                insert.Parameters.AddWithValue(name, value);
            ackId = (long)insert.ExecuteScalar()!;
        }
        Execute(tx, "UPDATE targets SET ack_id = $ack, ack_key = $key, ack_reason = $reason, ack_by = $by, ack_until = $until WHERE id = $id",
            ("$ack", ackId), ("$key", a.ContentKey), ("$reason", a.Reason), ("$by", a.By), ("$until", a.Until), ("$id", id));
        AckEvent(tx, ackId, AckEvents.Made, a.Now);
        tx.Commit();
        return new Ack(ackId, a.Repo, a.Server, a.FilesJson, a.Reason, a.By, a.Until, a.Now, null, null);
    }

    public Ack? Unacknowledge(string repo, string server, DateTimeOffset now)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        var ended = EndAcks(tx, "t.repo = $repo AND t.server = $server", AckEnded.Deleted, now.ToUnixTimeMilliseconds(), 1,
            ("$repo", repo), ("$server", server));
        tx.Commit();
        return ended.FirstOrDefault();
    }

    public int SweepAcknowledgements(DateTimeOffset now, int batchSize)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        using var tx = _writer.BeginTransaction(deferred: false);
        var ended = EndAcks(tx, "t.ack_until IS NOT NULL AND t.ack_until <= $now", AckEnded.Expired, nowMs, batchSize, ("$now", nowMs));
        tx.Commit();
        return ended.Count;
    }

    /// <summary>Ends the acknowledgements of up to <paramref name="max"/> targets matching <paramref name="where"/>, each with one notification.</summary>
    private List<Ack> EndAcks(Microsoft.Data.Sqlite.SqliteTransaction tx, string where, string why, long now, int max, params (string, object?)[] parameters)
    {
        var found = new List<(long TargetId, Ack Ack, string Announced, int DriftCount, string? Revision)>();
        using (var select = _writer.CreateCommand())
        {
            select.Transaction = tx;
            select.CommandText = $"""
                SELECT t.id, {string.Join(", ", AckColumns.Split(", ").Select(c => "a." + c))}, COALESCE(t.alert_status, t.sync_status), t.drift_count, t.revision
                FROM targets t JOIN acks a ON a.id = t.ack_id WHERE {where} LIMIT $max
                """;
            foreach (var (name, value) in parameters)
                select.Parameters.AddWithValue(name, value ?? DBNull.Value);
            select.Parameters.AddWithValue("$max", max);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                var ack = ReadAckAt(reader, 1);
                found.Add((reader.GetInt64(0), ack, reader.GetString(11), Count(reader, 12), NullableString(reader, 13)));
            }
        }
        foreach (var (targetId, ack, announced, driftCount, revision) in found)
        {
            EndAck(tx, targetId, ack.Id, why, now);
            QueueNotifications(tx, new Transition(Transition.Unacknowledged, ack.Repo, ack.Server, announced, announced, now, driftCount, ack.FilesJson, revision), now);
        }
        return found.Select(f => f.Ack with { EndedAt = now, EndReason = why }).ToList();
    }

    /// <summary>Clears the target's acknowledgement and records in its history when and why it ended.</summary>
    private void EndAck(Microsoft.Data.Sqlite.SqliteTransaction tx, long targetId, long? ackId, string why, long now)
    {
        Execute(tx, "UPDATE targets SET ack_id = NULL, ack_key = NULL, ack_reason = NULL, ack_by = NULL, ack_until = NULL WHERE id = $id", ("$id", targetId));
        if (Execute(tx, "UPDATE acks SET ended_at = $now, end_reason = $why WHERE id = $id AND ended_at IS NULL", ("$now", now), ("$why", why), ("$id", ackId)) > 0)
            AckEvent(tx, ackId!.Value, AckEvents.Ended, now);
    }

    /// <summary>The history event of an acknowledgement made or ended at <paramref name="now"/>, with the target's status and drifted files then.</summary>
    private void AckEvent(Microsoft.Data.Sqlite.SqliteTransaction tx, long ackId, string kind, long now) =>
        Execute(tx, """
            INSERT INTO events (repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision,
                ack_by, ack_reason, ack_until, ack_end_reason)
            SELECT a.repo, a.server, $now, $now, $kind, t.sync_status, t.sync_status, t.drift_count, t.files, NULL, t.revision,
                a.by_name, a.reason, a.until_at, a.end_reason
            FROM acks a JOIN targets t ON t.repo = a.repo AND t.server = a.server WHERE a.id = $id
            """, ("$now", now), ("$kind", kind), ("$id", ackId));

    public async Task<IReadOnlyList<Ack>> ReadAcksAsync(string repo, string server, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AckColumns} FROM acks WHERE repo = $repo AND server = $server ORDER BY id DESC LIMIT 1000";
        command.Parameters.AddWithValue("$repo", repo);
        command.Parameters.AddWithValue("$server", server);
        var acks = new List<Ack>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            acks.Add(ReadAck(reader));
        return acks;
    }
}
