using System.Globalization;
using GitOpsStatus.Server.Targets;
using Microsoft.Data.Sqlite;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

public sealed partial class SqliteStore
{
    /// <summary>One page of the dashboard list, its counts and repos, in one read transaction (one snapshot).</summary>
    public async Task<Listing> ReadListingAsync(ListingQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var transaction = connection.BeginTransaction(deferred: true);
        SqliteCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            BindNow(command, now);
            command.Parameters.AddWithValue("$repo", (object?)query.Repo ?? DBNull.Value);
            command.Parameters.AddWithValue("$q", (object?)query.Text ?? DBNull.Value);
            command.Parameters.AddWithValue("$status", (object?)query.Status ?? DBNull.Value);
            return command;
        }

        var counts = StatusCounts.Zero;
        await using (var command = Command(ListingSql.Sqlite.Counts(query)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                counts = counts.Add(reader.GetString(0), reader.GetInt32(1));
        }
        var matching = query.Status is null ? counts.Total : counts.Of(query.Status);
        var page = ListingSql.ClampPage(query.Page, matching, query.PageSize);
        var rows = new List<TargetRow>(Math.Min(query.PageSize, matching));
        await using (var command = Command(ListingSql.Sqlite.Page(query)))
        {
            command.Parameters.AddWithValue("$limit", query.PageSize);
            command.Parameters.AddWithValue("$offset", (long)(page - 1) * query.PageSize);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                rows.Add(ReadTarget(reader));
        }
        var repos = new List<string>();
        await using (var command = Command("SELECT DISTINCT repo FROM targets ORDER BY repo"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                repos.Add(reader.GetString(0));
        }
        await using var total = Command("SELECT count(*) FROM targets");
        return new Listing(counts, matching, page, rows, repos, Convert.ToInt32(await total.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The database's data version (<c>PRAGMA data_version</c>, on a connection of its own that never writes, so every
    /// commit of any other connection changes it) and the number of targets STALE at <paramref name="now"/>. That number
    /// is counted once per data version and kept while <paramref name="now"/> stays between the last target that went
    /// STALE and the next one due to, so a poll of unchanged data runs no query over the targets.
    /// </summary>
    public async Task<ListingTag> ReadListingTagAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        long version;
        lock (_versionLock)
        {
            _versionCommand ??= NewVersionCommand();
            version = (long)_versionCommand.ExecuteScalar()!;
            if (_staleCount is { } known && known.Version == version && at > known.LastStaleAt && at <= known.NextStaleAt)
                return new ListingTag($"{_instance}:{version}:{known.Stale}", known.Drifting);
        }
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT count(*) FILTER (WHERE $now > a), max(a) FILTER (WHERE $now > a), min(a) FILTER (WHERE $now <= a), count(*) FILTER (WHERE d)
            FROM (SELECT {TargetRules.StaleAtSql("last_check", "interval_seconds", "$stale_ms")} AS a,
                sync_status = '{Core.Reports.SyncStatus.OutOfSync}' OR drift_starts IS NOT NULL AS d FROM targets)
            """;
        BindNow(command, now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var counted = new StaleCount(version, reader.GetInt64(0), NullableLong(reader, 1) ?? long.MinValue, NullableLong(reader, 2) ?? long.MaxValue,
            reader.GetInt64(3) > 0);
        // Counted in a read begun after the version was: if a write came between, the next poll sees a newer version.
        lock (_versionLock)
            _staleCount = counted;
        return new ListingTag($"{_instance}:{version}:{counted.Stale}", counted.Drifting);
    }

    /// <summary>How many targets were STALE at one data version, the latest moment one of them went STALE and the next moment another does;
    /// whether any drifts (<see cref="ListingTag.Drifting"/>).</summary>
    private sealed record StaleCount(long Version, long Stale, long LastStaleAt, long NextStaleAt, bool Drifting);

    private SqliteCommand NewVersionCommand()
    {
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        var command = connection.CreateCommand();
        command.CommandText = "PRAGMA data_version";
        command.Prepare();
        return command;
    }

    public IEnumerable<TargetGauge> EachGauge()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT repo, server, sync_status, drift_count, last_check, interval_seconds, ack_until, flapping_since FROM targets ORDER BY repo, server";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return new TargetGauge(reader.GetString(0), reader.GetString(1), reader.GetString(2), Count(reader, 3), reader.GetInt64(4), Interval(reader, 5),
                NullableLong(reader, 6), !reader.IsDBNull(7));
    }

    public async Task<long> CountPendingNotificationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

}
