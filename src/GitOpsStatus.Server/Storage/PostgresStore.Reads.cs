using System.Runtime.CompilerServices;
using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;
using Npgsql;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>Reads: each one statement on a pooled connection, so one snapshot (READ COMMITTED).</summary>
public sealed partial class PostgresStore
{
    private const string FilterSql = "(@repo::text IS NULL OR repo = @repo) AND (@server::text IS NULL OR server = @server)";

    /// <summary>One page of the dashboard list, its counts and repos, in one read-only REPEATABLE READ transaction (one snapshot).</summary>
    public async Task<Listing> ReadListingAsync(ListingQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        NpgsqlCommand Command(string sql)
        {
            var command = new NpgsqlCommand(sql, connection, transaction);
            BindNow(command, now);
            command.Parameters.Add(new NpgsqlParameter<string?>("repo", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = query.Repo });
            command.Parameters.Add(new NpgsqlParameter<string?>("q", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = query.Text });
            command.Parameters.Add(new NpgsqlParameter<string?>("status", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = query.Status });
            return command;
        }

        var counts = StatusCounts.Zero;
        await using (var command = Command(ListingSql.Postgres.Counts(query)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                counts = counts.Add(reader.GetString(0), (int)reader.GetInt64(1));
        }
        var matching = query.Status is null ? counts.Total : counts.Of(query.Status);
        var page = ListingSql.ClampPage(query.Page, matching, query.PageSize);
        var rows = new List<TargetRow>(Math.Min(query.PageSize, matching));
        await using (var command = Command(ListingSql.Postgres.Page(query)))
        {
            command.Parameters.AddWithValue("limit", query.PageSize);
            command.Parameters.AddWithValue("offset", (long)(page - 1) * query.PageSize);
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
        var all = (long)(await total.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return new Listing(counts, matching, page, rows, repos, (int)all);
    }

    /// <summary>
    /// The targets' version (their count and the sum of their rows' <c>xmin</c>: every insert, update or delete of a target
    /// changes one or the other, on any replica, while writes to other tables or other databases of the cluster do not) and
    /// the number of targets STALE at <paramref name="now"/>, from one statement. The sum is taken through <c>age()</c>, an
    /// integer, with the statement's own reference xid added back: casting <c>xmin</c> through text costs far more per row.
    /// </summary>
    public async Task<ListingTag> ReadListingTagAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT count(*), count(*) * (age('3'::xid)::bigint + 3) - coalesce(sum(age(xmin)), 0), count(*) FILTER (WHERE {TargetRules.IsStaleSql("@now", "last_check", "interval_seconds", "@stale_ms")}), "
            + $"count(*) FILTER (WHERE sync_status = '{Core.Reports.SyncStatus.OutOfSync}' OR drift_starts IS NOT NULL) FROM targets");
        BindNow(command, now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ListingTag($"{reader.GetInt64(0)}:{reader.GetInt64(1)}:{reader.GetInt64(2)}", reader.GetInt64(3) > 0);
    }

    public IEnumerable<TargetRow> EachTarget(TargetFilter filter)
    {
        using var command = _dataSource.CreateCommand($"SELECT {TargetColumns} FROM targets WHERE {FilterSql} ORDER BY repo, server");
        BindFilter(command, filter.Repo, filter.Server);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return ReadTarget(reader);
    }

    public IEnumerable<TargetGauge> EachGauge()
    {
        using var command = _dataSource.CreateCommand("SELECT repo, server, sync_status, drift_count, last_check, interval_seconds, ack_until, flapping_since FROM targets ORDER BY repo, server");
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return new TargetGauge(reader.GetString(0), reader.GetString(1), reader.GetString(2), Count(reader, 3), reader.GetInt64(4), Interval(reader, 5),
                NullableLong(reader, 6), !reader.IsDBNull(7));
    }

    public async Task<TargetDetail?> ReadTargetAsync(string repo, string server, CancellationToken cancellationToken)
    {
        // One statement, one snapshot: the row with its files' starts.
        await using var command = _dataSource.CreateCommand($"""
            SELECT {TargetColumns}, report, {DriftColumns},
                ARRAY(SELECT d.file FROM file_drift_starts d WHERE d.repo = @repo AND d.server = @server ORDER BY d.file, d.at),
                ARRAY(SELECT d.at FROM file_drift_starts d WHERE d.repo = @repo AND d.server = @server ORDER BY d.file, d.at)
            FROM targets WHERE repo = @repo AND server = @server
            """);
        BindFilter(command, repo, server);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var json = reader.GetString(TargetColumnCount);
        var files = reader.GetFieldValue<string[]>(TargetColumnCount + 3);
        var at = reader.GetFieldValue<long[]>(TargetColumnCount + 4);
        return new TargetDetail(ReadTarget(reader), JsonSerializer.Deserialize(json, ReportJson.Default.StatusReport)!, json)
        {
            Drift = ReadDrift(reader, TargetColumnCount + 1, files.Select((f, i) => (f, at[i]))),
        };
    }

    public async Task<bool> TargetExistsAsync(string repo, string server, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM targets WHERE repo = @repo AND server = @server)");
        BindFilter(command, repo, server);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<TargetRowPage> ReadTargetPageAsync(TargetQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var count = TargetQueryCommand("count(*)", "", query, now);
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        return new TargetRowPage(TargetPageRows(query, now, cancellationToken), (int)total);
    }

    // Read while the response is written: a page of 1,000 targets with 1,000 drifted files each is never held whole.
    private async IAsyncEnumerable<TargetRow> TargetPageRows(TargetQuery query, DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = TargetQueryCommand(TargetColumns, "ORDER BY repo, server LIMIT @limit OFFSET @offset", query, now);
        command.Parameters.AddWithValue("limit", query.Limit);
        command.Parameters.AddWithValue("offset", query.Offset);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return ReadTarget(reader);
    }

    private NpgsqlCommand TargetQueryCommand(string columns, string tail, TargetQuery query, DateTimeOffset now)
    {
        var statusFilter = query.Statuses.Count > 0 ? $"AND {DerivedStatusSql} = ANY(@statuses)" : "";
        var command = _dataSource.CreateCommand($"SELECT {columns} FROM targets WHERE {FilterSql} {statusFilter} {tail}");
        BindFilter(command, query.Repo, query.Server);
        BindNow(command, now);
        command.Parameters.AddWithValue("statuses", query.Statuses.ToArray());
        return command;
    }

    public async Task<StatusSummary> ReadSummaryAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"SELECT repo, {DerivedStatusSql} AS status, count(*) FROM targets GROUP BY repo, status ORDER BY repo");
        BindNow(command, now);
        var overall = StatusCounts.Zero;
        var repos = new List<RepoCounts>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (repo, status, count) = (reader.GetString(0), reader.GetString(1), (int)reader.GetInt64(2));
            overall = overall.Add(status, count);
            if (repos.Count == 0 || repos[^1].Repo != repo)
                repos.Add(new RepoCounts(repo, StatusCounts.Zero));
            repos[^1] = repos[^1] with { Counts = repos[^1].Counts.Add(status, count) };
        }
        return new StatusSummary(overall, repos);
    }

    public async Task<HistoryPage> ReadHistoryAsync(string repo, string server, int limit, long? beforeId, CancellationToken cancellationToken)
    {
        // The page's last id and whether an older event follows it: the cursor of the next page, before any event is read.
        await using var command = HistoryCommand("id", "LIMIT 2 OFFSET @skip", repo, server, beforeId);
        command.Parameters.AddWithValue("skip", limit - 1);
        return new HistoryPage(HistoryEvents(repo, server, limit, beforeId, cancellationToken), await NextBeforeIdAsync(command, cancellationToken));
    }

    // Read while the response is written (see TargetPageRows).
    private async IAsyncEnumerable<HistoryEvent> HistoryEvents(string repo, string server, int limit, long? beforeId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = HistoryCommand(EventColumns, "LIMIT @limit", repo, server, beforeId);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return ReadEvent(reader);
    }

    private NpgsqlCommand HistoryCommand(string columns, string tail, string repo, string server, long? beforeId)
    {
        var command = _dataSource.CreateCommand($"SELECT {columns} FROM events WHERE repo = @repo AND server = @server AND id < @before ORDER BY id DESC {tail}");
        BindFilter(command, repo, server);
        command.Parameters.AddWithValue("before", beforeId ?? long.MaxValue);
        return command;
    }

    public async Task<long> CountPendingNotificationsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }


    private static void BindFilter(NpgsqlCommand command, string? repo, string? server)
    {
        command.Parameters.Add(new NpgsqlParameter<string?>("repo", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = repo });
        command.Parameters.Add(new NpgsqlParameter<string?>("server", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = server });
    }

    private void BindNow(NpgsqlCommand command, DateTimeOffset now)
    {
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("stale_ms", StaleMs);
    }

}
