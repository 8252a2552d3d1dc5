using Microsoft.Data.Sqlite;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

public sealed partial class SqliteStore
{
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
            yield return new TargetGauge(reader.GetString(0), reader.GetString(1), reader.GetString(2), Count(reader, 3), reader.GetInt64(4), Interval(reader, 5));
    }

    public async Task<long> CountPendingNotificationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

}
