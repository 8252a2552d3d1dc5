using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

public sealed partial class SqliteStore
{
    private const string TargetColumns = """
        repo, server, sync_status, drift_count, files, last_check, received_at, status_since, last_synced_at,
        revision, source, interval_seconds, error
        """;

    /// <summary>Every target matching the filter, sorted by repo then server, in one query.</summary>
    public async Task<List<TargetRow>> ReadTargetsAsync(TargetFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        var where = new List<string>(2);
        if (filter.Repo is not null)
        {
            where.Add("repo = $repo");
            command.Parameters.AddWithValue("$repo", filter.Repo);
        }
        if (filter.Server is not null)
        {
            where.Add("server = $server");
            command.Parameters.AddWithValue("$server", filter.Server);
        }
        command.CommandText = $"SELECT {TargetColumns} FROM targets {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY repo, server";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<TargetRow>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(ReadTarget(reader));
        return rows;
    }

    public IEnumerable<TargetGauge> EachGauge()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT repo, server, sync_status, drift_count, last_check, interval_seconds FROM targets ORDER BY repo, server";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return new TargetGauge(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4), NullableLong(reader, 5));
    }

    public async Task<long> CountPendingNotificationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    internal static TargetRow ReadTarget(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetInt64(5), r.GetInt64(6),
        r.GetInt64(7), NullableLong(r, 8), NullableString(r, 9), NullableString(r, 10), NullableLong(r, 11), NullableString(r, 12));

    private static long? NullableLong(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
