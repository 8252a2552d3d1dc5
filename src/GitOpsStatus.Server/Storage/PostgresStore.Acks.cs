using GitOpsStatus.Server.Targets;
using Npgsql;
using NpgsqlTypes;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Acknowledgements (<see cref="IStatusStore.Acknowledge"/>), each one statement. The sweep claims expired ones with
/// <c>FOR UPDATE SKIP LOCKED</c>, the condition re-checked on the locked row: across replicas each ends once, with one notification.
/// </summary>
public sealed partial class PostgresStore
{
    private static readonly string AckReturning = string.Join(", ", AckColumns.Split(", ").Select(c => "a." + c));

    /// <summary>The columns an acknowledgement's history event is written with.</summary>
    internal const string AckEventColumns =
        "repo, server, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision, ack_by, ack_reason, ack_until, ack_end_reason";

    public Ack? Acknowledge(AckRequest a)
    {
        using var command = _dataSource.CreateCommand($"""
            WITH t AS (
                SELECT id, ack_id, sync_status, drift_count, files, revision FROM targets
                WHERE repo = @repo AND server = @server AND last_check = @last_check AND sync_status = 'OUT_OF_SYNC' FOR UPDATE
            ),
            old AS (
                UPDATE acks SET ended_at = @now, end_reason = '{AckEnded.Replaced}' FROM t WHERE acks.id = t.ack_id AND acks.ended_at IS NULL
                RETURNING acks.by_name, acks.reason, acks.until_at
            ),
            ins AS (
                INSERT INTO acks (repo, server, content_key, files, reason, by_name, until_at, created_at)
                SELECT @repo, @server, @key, @files, @reason, @by, @until, @now FROM t RETURNING id
            ),
            upd AS (
                UPDATE targets SET ack_id = ins.id, ack_key = @key, ack_reason = @reason, ack_by = @by, ack_until = @until
                FROM ins, t WHERE targets.id = t.id
            ),
            ev AS (
                INSERT INTO events ({AckEventColumns})
                SELECT @repo, @server, @now, @now, e.kind, t.sync_status, t.sync_status, t.drift_count, t.files, NULL, t.revision, e.by_name, e.reason, e.until_at, e.why
                FROM t, (SELECT 1 AS k, '{AckEvents.Ended}' AS kind, by_name, reason, until_at, '{AckEnded.Replaced}' AS why FROM old
                         UNION ALL SELECT 2, '{AckEvents.Made}', @by, @reason, @until, NULL FROM ins) AS e
                ORDER BY e.k
            )
            SELECT id FROM ins
            """);
        BindFilter(command, a.Repo, a.Server);
        command.Parameters.AddWithValue("last_check", a.LastCheck);
        command.Parameters.AddWithValue("key", a.ContentKey);
        command.Parameters.AddWithValue("files", a.FilesJson);
        command.Parameters.AddWithValue("reason", a.Reason);
        command.Parameters.AddWithValue("by", a.By);
        command.Parameters.AddWithValue("until", a.Until);
        command.Parameters.AddWithValue("now", a.Now);
        return command.ExecuteScalar() is long id ? new Ack(id, a.Repo, a.Server, a.FilesJson, a.Reason, a.By, a.Until, a.Now, null, null) : null;
    }

    public Ack? Unacknowledge(string repo, string server, DateTimeOffset now) =>
        EndAcks("repo = @repo AND server = @server AND ack_id IS NOT NULL FOR UPDATE", AckEnded.Deleted, now, 1, command => BindFilter(command, repo, server))
            .FirstOrDefault();

    public int SweepAcknowledgements(DateTimeOffset now, int batchSize) =>
        EndAcks("ack_until IS NOT NULL AND ack_until <= @now LIMIT @n FOR UPDATE SKIP LOCKED", AckEnded.Expired, now, batchSize, _ => { }).Count;

    /// <summary>Ends the acknowledgements of the targets <paramref name="where"/> picks, each with one <c>unacknowledged</c> notification.</summary>
    private List<Ack> EndAcks(string where, string why, DateTimeOffset now, int max, Action<NpgsqlCommand> bind)
    {
        using var command = _dataSource.CreateCommand($"""
            WITH due AS (SELECT id, ack_id FROM targets WHERE {where}),
            cleared AS (
                UPDATE targets t SET ack_id = NULL, ack_key = NULL, ack_reason = NULL, ack_by = NULL, ack_until = NULL FROM due WHERE t.id = due.id
                RETURNING due.ack_id, COALESCE(t.alert_status, t.sync_status) AS announced, t.drift_count, t.revision, t.sync_status, t.files AS names
            ),
            ended AS (
                UPDATE acks a SET ended_at = @now, end_reason = @why FROM cleared WHERE a.id = cleared.ack_id
                RETURNING {AckReturning}, cleared.announced, cleared.drift_count, cleared.revision, cleared.sync_status, cleared.names
            ),
            ev AS (
                INSERT INTO events ({AckEventColumns})
                SELECT repo, server, @now, @now, '{AckEvents.Ended}', sync_status, sync_status, drift_count, names, NULL, revision, by_name, reason, until_at, @why
                FROM ended ORDER BY repo, server
            ),
            ob AS (
                INSERT INTO outbox ({OutboxColumns})
                SELECT u.url, 'unacknowledged', repo, server, announced, announced, @now, drift_count, files, revision, @now, @now
                FROM ended CROSS JOIN unnest(@urls) AS u(url) ORDER BY repo, server, u.url
            )
            SELECT {AckColumns} FROM ended
            """);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("why", why);
        command.Parameters.AddWithValue("n", max);
        command.Parameters.Add(new NpgsqlParameter("urls", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = _options.WebhookUrls.ToArray() });
        bind(command);
        var ended = new List<Ack>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
            ended.Add(ReadAck(reader));
        return ended;
    }

    public async Task<IReadOnlyList<Ack>> ReadAcksAsync(string repo, string server, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {AckColumns} FROM acks WHERE repo = @repo AND server = @server ORDER BY id DESC LIMIT 1000");
        BindFilter(command, repo, server);
        var acks = new List<Ack>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            acks.Add(ReadAck(reader));
        return acks;
    }
}
