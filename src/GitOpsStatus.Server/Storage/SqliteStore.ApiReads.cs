using System.Runtime.CompilerServices;
using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;
using Microsoft.Data.Sqlite;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>Reads for the JSON API and the dashboard: one target, a page of targets, counts per status.</summary>
public sealed partial class SqliteStore
{
    /// <summary>The derived status in SQL, at <c>$now</c> (<see cref="TargetRules.Derive"/>).</summary>
    internal static readonly string DerivedStatusSql = TargetRules.DerivedStatusSql("$now", "$stale_ms");

    /// <summary>The target's row and full stored report, or null when no such target.</summary>
    public async Task<TargetDetail?> ReadTargetAsync(string repo, string server, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        // One read transaction: the row and its files' starts from the same commit.
        await using var tx = connection.BeginTransaction(deferred: true);
        command.Transaction = tx;
        command.CommandText = "SELECT file, at FROM file_drift_starts WHERE repo = $repo AND server = $server";
        command.Parameters.AddWithValue("$repo", repo);
        command.Parameters.AddWithValue("$server", server);
        var starts = new List<(string, long)>();
        await using (var rows = await command.ExecuteReaderAsync(cancellationToken))
            while (await rows.ReadAsync(cancellationToken))
                starts.Add((rows.GetString(0), rows.GetInt64(1)));
        command.CommandText = $"SELECT {TargetColumns}, report, {DriftColumns} FROM targets WHERE repo = $repo AND server = $server";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var json = reader.GetString(TargetColumnCount);
        var report = JsonSerializer.Deserialize(json, ReportJson.Default.StatusReport)!;
        return new TargetDetail(ReadTarget(reader), report, json) { Drift = ReadDrift(reader, TargetColumnCount + 1, starts) };
    }

    public async Task<bool> TargetExistsAsync(string repo, string server, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM targets WHERE repo = $repo AND server = $server)";
        command.Parameters.AddWithValue("$repo", repo);
        command.Parameters.AddWithValue("$server", server);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>
    /// Every target matching the filter, sorted by repo then server, read one row at a time (synchronously:
    /// SQLite is in-process) so a caller streaming 100,000 targets never holds them all.
    /// </summary>
    public IEnumerable<TargetRow> EachTarget(TargetFilter filter)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {TargetColumns} FROM targets
            WHERE ($repo IS NULL OR repo = $repo) AND ($server IS NULL OR server = $server) ORDER BY repo, server
            """;
        command.Parameters.AddWithValue("$repo", (object?)filter.Repo ?? DBNull.Value);
        command.Parameters.AddWithValue("$server", (object?)filter.Server ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return ReadTarget(reader);
    }

    /// <summary>One page of targets sorted by repo then server, filtered on the status derived at <paramref name="now"/>.</summary>
    public async Task<TargetRowPage> ReadTargetPageAsync(TargetQuery query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM targets {BindTargetQuery(command, query, now)}";
        var total = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new TargetRowPage(TargetPageRows(query, now, cancellationToken), total);
    }

    // Read while the response is written: a page of 1,000 targets with 1,000 drifted files each is never held whole.
    private async IAsyncEnumerable<TargetRow> TargetPageRows(TargetQuery query, DateTimeOffset now, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {TargetColumns} FROM targets {BindTargetQuery(command, query, now)} ORDER BY repo, server LIMIT $limit OFFSET $offset";
        command.Parameters.AddWithValue("$limit", query.Limit);
        command.Parameters.AddWithValue("$offset", query.Offset);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return ReadTarget(reader);
    }

    /// <summary>Binds the query's filters to <paramref name="command"/> and returns its WHERE clause (empty for none).</summary>
    private string BindTargetQuery(SqliteCommand command, TargetQuery query, DateTimeOffset now)
    {
        var where = new List<string>(3);
        if (query.Repo is not null)
        {
            where.Add("repo = $repo");
            command.Parameters.AddWithValue("$repo", query.Repo);
        }
        if (query.Server is not null)
        {
            where.Add("server = $server");
            command.Parameters.AddWithValue("$server", query.Server);
        }
        if (query.Statuses.Count > 0)
        {
            var names = query.Statuses.Select((s, i) => (Name: $"$s{i}", Status: s)).ToList();
            where.Add($"{DerivedStatusSql} IN ({string.Join(", ", names.Select(n => n.Name))})");
            foreach (var (name, status) in names)
                command.Parameters.AddWithValue(name, status);
        }
        BindNow(command, now);
        return where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "";
    }

    /// <summary>Targets per status derived at <paramref name="now"/>, overall and per repo, in one grouped query.</summary>
    public async Task<StatusSummary> ReadSummaryAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT repo, {DerivedStatusSql} AS status, count(*) FROM targets GROUP BY repo, status ORDER BY repo";
        BindNow(command, now);
        var overall = StatusCounts.Zero;
        var repos = new List<RepoCounts>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (repo, status, count) = (reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
            overall = overall.Add(status, count);
            if (repos.Count == 0 || repos[^1].Repo != repo)
                repos.Add(new RepoCounts(repo, StatusCounts.Zero));
            repos[^1] = repos[^1] with { Counts = repos[^1].Counts.Add(status, count) };
        }
        return new StatusSummary(overall, repos);
    }

    private void BindNow(SqliteCommand command, DateTimeOffset now)
    {
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$stale_ms", (long)_options.StaleAfter.TotalMilliseconds);
    }
}
