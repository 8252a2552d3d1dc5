using System.Data.Common;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Reading rows into read models, shared by both stores: their queries select these columns in this
/// order, so a row reads the same whichever database it came from.
/// </summary>
internal static class StoredRows
{
    public const string TargetColumns = """
        repo, server, sync_status, drift_count, files, last_check, received_at, status_since, last_synced_at,
        revision, source, interval_seconds, error, ack_reason, ack_by, ack_until, detection, detection_error, cause, flapping_since,
        drift_since, drift_starts
        """;

    /// <summary>How many columns <see cref="TargetColumns"/> selects: a query that adds one reads it at this index.</summary>
    public const int TargetColumnCount = 22;

    public const string EventColumns = "id, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision, ack_by, ack_reason, ack_until, ack_end_reason";

    /// <summary>The outbox columns a claim returns.</summary>
    public const string OutboxColumns = "id, url, kind, repo, server, from_status, to_status, at, drift_count, files, revision, attempts, error, detection, cause";

    public static TargetRow ReadTarget(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), Count(r, 3), r.GetString(4), r.GetInt64(5), r.GetInt64(6),
        r.GetInt64(7), NullableLong(r, 8), NullableString(r, 9), NullableString(r, 10), Interval(r, 11), NullableString(r, 12),
        r.IsDBNull(15) ? null : new AckInfo(r.GetString(13), r.GetString(14), r.GetInt64(15)),
        NullableString(r, 16), NullableString(r, 17), NullableString(r, 18), !r.IsDBNull(19), NullableLong(r, 20), Times(r, 21));

    /// <summary>Stored times (drift_starts, file_starts): a bigint[] on PostgreSQL, a JSON array on SQLite.</summary>
    public static long[]? Times(DbDataReader r, int i) =>
        r.IsDBNull(i) ? null : r.GetValue(i) is long[] times ? times : BatchCommands.ParseTimes(r.GetString(i));

    /// <summary>What a target's detail reads after <see cref="TargetColumns"/> and its report: the drifted files and their starts.</summary>
    public const string DriftColumns = "drift_files, file_starts";

    /// <summary>The drifted files of a row of <see cref="DriftColumns"/> from column <paramref name="at"/>, with each one's starts from <paramref name="starts"/> (file, at).</summary>
    public static FileDrift[] ReadDrift(DbDataReader r, int at, IEnumerable<(string File, long At)> starts)
    {
        if (r.IsDBNull(at))
            return [];
        var names = r.GetString(at).Split('\n');
        var firstSeen = Times(r, at + 1) ?? [];
        var byFile = starts.ToLookup(s => s.File, s => s.At, StringComparer.Ordinal);
        return [.. names.Select((name, i) => new FileDrift(name, i < firstSeen.Length ? firstSeen[i] : 0, [.. byFile[name].Order()]))];
    }

    /// <summary>The columns an acknowledgement is read from, in <see cref="ReadAck"/>'s order.</summary>
    public const string AckColumns = "id, repo, server, files, reason, by_name, until_at, created_at, ended_at, end_reason";

    public static Ack ReadAck(DbDataReader r) => ReadAckAt(r, 0);

    /// <summary>An acknowledgement whose <see cref="AckColumns"/> start at column <paramref name="at"/>.</summary>
    public static Ack ReadAckAt(DbDataReader r, int at) => new(
        r.GetInt64(at), r.GetString(at + 1), r.GetString(at + 2), r.GetString(at + 3), r.GetString(at + 4), r.GetString(at + 5), r.GetInt64(at + 6),
        r.GetInt64(at + 7), NullableLong(r, at + 8), NullableString(r, at + 9));

    public static OutboxItem ReadOutboxItem(DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1),
        new Transition(r.GetString(2), r.GetString(3), r.GetString(4), NullableString(r, 5), r.GetString(6), r.GetInt64(7),
            Count(r, 8), r.GetString(9), NullableString(r, 10), NullableString(r, 12), NullableString(r, 13), NullableString(r, 14)),
        Count(r, 11));

    /// <summary>
    /// The next history page's cursor from a query of the ids at positions limit and limit + 1 of this page: the page's
    /// last id when an older event follows it, else null.
    /// </summary>
    public static async Task<long?> NextBeforeIdAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var last = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : (long?)null;
        return await reader.ReadAsync(cancellationToken) ? last : null;
    }

    /// <summary>One event from a row of <c>EventColumns</c>.</summary>
    public static HistoryEvent ReadEvent(DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), NullableString(reader, 4),
        reader.GetString(5), Count(reader, 6), reader.GetString(7), NullableString(reader, 8), NullableString(reader, 9),
        reader.IsDBNull(10) ? null : new AckEventInfo(reader.GetString(10), reader.GetString(11), reader.GetInt64(12), NullableString(reader, 13)));

    public static long? NullableLong(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    // Stored numbers are not trusted to fit: rows written before the validator bounded them (a drift_count of 2³¹ made
    // every 32-bit read throw) or by hand are read into the contract's range (README, "The report").

    /// <summary>A stored count (drift_count, attempts) read into 0 to <see cref="ReportValidator.MaxDriftCount"/>.</summary>
    public static int Count(DbDataReader r, int i) => Count(r.GetInt64(i));

    public static int Count(long stored) => (int)Math.Clamp(stored, 0, ReportValidator.MaxDriftCount);

    /// <summary>A stored interval_seconds read into 1 s to <see cref="ReportValidator.MaxIntervalSeconds"/>.</summary>
    public static long? Interval(DbDataReader r, int i) => r.IsDBNull(i) ? null : Interval(r.GetInt64(i));

    public static long Interval(long stored) => TargetRules.Interval(stored);

    public static string? NullableString(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
