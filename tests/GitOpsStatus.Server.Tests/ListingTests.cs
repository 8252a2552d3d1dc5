using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;
using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// The dashboard list's bounded query (<see cref="ListingSql"/>) against the same list worked out in C# from every
/// stored row with <see cref="TargetRules.Derive"/>: every sort in both directions, each filter, paging and the page
/// clamp, on both stores.
/// </summary>
public abstract class ListingTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(postgres: postgres);
    private static readonly bool[] Directions = [false, true];
    private static readonly int[] Pages = [1, 2, 9];

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Every_sort_filter_and_page_of_the_list_matches_the_rules_applied_in_CSharp()
    {
        var t = AppServer.Start;
        for (var i = 0; i < 40; i++)
        {
            var repo = $"repo-{i % 3}";
            var server = $"host-{(i * 7) % 40:00}";
            var at = t.AddMinutes(-(i % 13)).AddSeconds(i);
            var json = (i % 5) switch
            {
                0 => Reports.Drifted(repo, server, at, $"etc/app-{i}.conf", "etc/Shared.conf"),
                1 => Reports.Synced(repo, server, at, revision: i % 2 == 0 ? null : $"rev{i % 4}", interval: 60),
                2 => $$"""{"repo":"{{repo}}","server":"{{server}}","sync_status":"UNKNOWN","error":"ssh: Connection refused {{i}}","last_check":"{{at:O}}"}""",
                _ => Reports.Synced(repo, server, at, revision: $"rev{i % 3}"),
            };
            Assert.True((await _server.PostJson(json)).IsSuccessStatusCode);
        }
        var store = _server.Services.GetRequiredService<IStatusStore>();
        var options = _server.Services.GetRequiredService<ServerOptions>();
        var now = t.AddMinutes(2);
        var all = store.EachTarget(new TargetFilter()).ToList();

        (string?, string?, string?)[] filters =
        [
            (null, null, null), ("repo-1", null, null), (null, "SHARED", null), (null, "refused", null), (null, "rev1", null),
            (null, null, SyncStatus.Stale), (null, null, SyncStatus.OutOfSync), ("repo-2", "host", SyncStatus.Synced),
        ];
        var queries = (from sort in ListingSql.Sorts
                       from backwards in Directions
                       from filter in filters
                       from page in Pages
                       select new ListingQuery(filter.Item1, filter.Item2, filter.Item3, sort, backwards, page, 7)).ToList();
        Assert.Equal(ListingSql.Sorts.Count * 2 * 8 * 3, queries.Count);
        foreach (var query in queries)
        {
            var expected = Expected(all, query, now, options);
            var actual = await store.ReadListingAsync(query, now, CancellationToken.None);
            var what = query.ToString();
            Assert.True(expected.Counts == actual.Counts, $"{what}: counts {actual.Counts}, expected {expected.Counts}");
            Assert.True(expected.Matching == actual.Matching && expected.Page == actual.Page, $"{what}: {actual.Matching} matching, page {actual.Page}");
            Assert.True(Keys(expected.Rows).SequenceEqual(Keys(actual.Rows)), $"{what}: [{string.Join(' ', Keys(actual.Rows))}], expected [{string.Join(' ', Keys(expected.Rows))}]");
            Assert.Equal(expected.Repos, actual.Repos);
            Assert.Equal(40, actual.Total);
        }
    }

    private static IEnumerable<string> Keys(IEnumerable<TargetRow> rows) => rows.Select(r => $"{r.Repo}@{r.Server}");

    /// <summary>The list as the dashboard showed it before the query moved into SQL: filter, count, sort and page in memory.</summary>
    private static Listing Expected(List<TargetRow> all, ListingQuery query, DateTimeOffset now, ServerOptions options)
    {
        var filtered = all
            .Where(r => query.Repo is null || r.Repo == query.Repo)
            .Where(r => query.Text is null || new[] { r.Repo, r.Server, r.Files, r.Revision, r.Source, r.Error }.Any(v => v?.Contains(query.Text, StringComparison.OrdinalIgnoreCase) == true))
            .Select(r => (Row: r, Status: r.Derived(now, options)))
            .ToList();
        var counts = filtered.Aggregate(StatusCounts.Zero, (c, r) => c.Add(r.Status.Status, 1));
        var matching = filtered.Where(r => query.Status is null || r.Status.Status == query.Status).ToList();
        Comparison<(TargetRow Row, DerivedStatus Status)> primary = query.Sort switch
        {
            "repo" => (a, b) => string.CompareOrdinal(a.Row.Repo, b.Row.Repo),
            "server" => (a, b) => string.CompareOrdinal(a.Row.Server, b.Row.Server),
            "drift" => (a, b) => a.Row.DriftCount.CompareTo(b.Row.DriftCount),
            "since" => (a, b) => a.Status.Since.CompareTo(b.Status.Since),
            "check" => (a, b) => a.Row.LastCheck.CompareTo(b.Row.LastCheck),
            "revision" => (a, b) => string.CompareOrdinal(a.Row.Revision, b.Row.Revision),
            _ => (a, b) => ListingSql.Severity(a.Status.Status).CompareTo(ListingSql.Severity(b.Status.Status)),
        };
        matching.Sort((a, b) =>
        {
            var c = primary(a, b);
            if (c != 0)
                return query.Descending ? -c : c;
            c = string.CompareOrdinal(a.Row.Repo, b.Row.Repo);
            return c != 0 ? c : string.CompareOrdinal(a.Row.Server, b.Row.Server);
        });
        var page = ListingSql.ClampPage(query.Page, matching.Count, query.PageSize);
        var rows = matching.Skip((page - 1) * query.PageSize).Take(query.PageSize).Select(r => r.Row).ToList();
        return new Listing(counts, matching.Count, page, rows, all.Select(r => r.Repo).Distinct().Order(StringComparer.Ordinal).ToList(), all.Count);
    }
}

public sealed class ListingTestsOnSqlite() : ListingTests(null)
{
}

public sealed class ListingTestsOnPostgres(PostgresCluster postgres) : ListingTests(postgres)
{
}
