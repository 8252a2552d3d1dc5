using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// The dashboard list's filters and order in SQL, for both stores, so a page of 500 rows is read by a bounded query
/// whatever the store holds. Parameters are named with <paramref name="prefix"/> ('$' SQLite, '@' PostgreSQL):
/// now, stale_ms, repo, q, status, limit, offset.
/// </summary>
internal sealed class ListingSql(char prefix, string find)
{
    /// <summary>How much of a row's drifted files the list reads: it shows 120 characters, the rest in a tooltip.</summary>
    public const int FilesShown = 1000;

    /// <summary>The sort keys of <see cref="ListingQuery.Sort"/>; anything else sorts by severity (worst first).</summary>
    public static readonly IReadOnlyList<string> Sorts = ["repo", "server", "status", "drift", "since", "check", "revision"];

    public static readonly ListingSql Sqlite = new('$', "instr");
    public static readonly ListingSql Postgres = new('@', "strpos");

    /// <summary>The columns the text filter searches.</summary>
    private static readonly string[] Searched = ["repo", "server", "files", "revision", "source", "error"];

    private string Derived => TargetRules.DerivedStatusSql($"{prefix}now", $"{prefix}stale_ms");

    /// <summary><see cref="StoredRows.TargetColumns"/> with the files cut to <see cref="FilesShown"/> characters (an ellipsis marks the cut).</summary>
    public static readonly string Columns = StoredRows.TargetColumns.Replace(" files,", $"""
         CASE WHEN length(files) > {FilesShown} THEN substr(files, 1, {FilesShown - 1}) || '…' ELSE files END,
        """, StringComparison.Ordinal);

    /// <summary>The repo and text filters (and the status one with <paramref name="status"/>), as a WHERE clause.</summary>
    public string Where(ListingQuery query, bool status)
    {
        var where = new List<string> { "TRUE" };
        if (query.Repo is not null)
            where.Add($"repo = {prefix}repo");
        if (query.Text is not null)
            where.Add("(" + string.Join(" OR ", Searched.Select(c => $"{find}(lower({c}), lower({prefix}q)) > 0")) + ")");
        if (status && query.Status is not null)
            where.Add($"{Derived} = {prefix}status");
        return "WHERE " + string.Join(" AND ", where);
    }

    /// <summary>Counts per derived status under <see cref="Where"/> without the status filter: rows of (status, count).</summary>
    public string Counts(ListingQuery query) => $"SELECT {Derived} AS derived, count(*) FROM targets {Where(query, status: false)} GROUP BY derived";

    /// <summary>One page: ties always fall back to repo then server, ascending, so pages are stable between refreshes.</summary>
    public string Page(ListingQuery query)
    {
        var primary = query.Sort switch
        {
            "repo" => "repo",
            "server" => "server",
            "drift" => "drift_count",
            "since" => TargetRules.DerivedSinceSql($"{prefix}now", $"{prefix}stale_ms"),
            "check" => "last_check",
            // Ordinal, as C#'s string.CompareOrdinal.
            "revision" => prefix == '@' ? "revision COLLATE \"C\"" : "revision",
            _ => $"CASE {Derived} {string.Join(" ", SyncStatus.All.Select(s => $"WHEN '{s}' THEN {Severity(s)}"))} END",
        };
        // CompareOrdinal puts null first, so no revision comes first ascending and last descending, in both stores.
        var direction = query.Descending ? "DESC NULLS LAST" : "ASC NULLS FIRST";
        return $"SELECT {Columns} FROM targets {Where(query, status: true)} ORDER BY {primary} {direction}, repo, server LIMIT {prefix}limit OFFSET {prefix}offset";
    }

    /// <summary>Worst first: the default order puts what needs a person at the top.</summary>
    public static int Severity(string status) => status switch
    {
        SyncStatus.OutOfSync => 0,
        SyncStatus.Unknown => 1,
        SyncStatus.Stale => 2,
        _ => 3,
    };

    /// <summary>The page shown: <paramref name="page"/> clamped to the last page of <paramref name="matching"/> rows (page 1 when none).</summary>
    public static int ClampPage(int page, int matching, int pageSize) => Math.Min(page, Math.Max(1, (matching + pageSize - 1) / pageSize));
}
