using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>A stored target with the status readers see now.</summary>
internal readonly record struct ListedTarget(TargetRow Row, DerivedStatus Status);

/// <summary>
/// What the list page shows for one <see cref="ListQuery"/>: the counts per status (after the text and repo filters,
/// so that the header answers "how many of these are red"), how many rows pass every filter, the page shown and its
/// rows in the asked order, every repo for the repo picker, and how many targets there are.
/// </summary>
internal sealed record TargetListView(IReadOnlyDictionary<string, int> Counts, int Matching, int Page, List<ListedTarget> Rows, IReadOnlyList<string> Repos, int Total)
{
    /// <summary>The store's query for <paramref name="query"/>: filters, order and the page all run in SQL.</summary>
    public static ListingQuery Query(ListQuery query) => new(
        query.Repo.Length > 0 ? query.Repo : null, query.Text.Length > 0 ? query.Text : null, query.Status.Length > 0 ? query.Status : null,
        query.Sort, query.Descending, query.Page, ListQuery.PageSize);

    public static TargetListView Build(Listing listing, DateTimeOffset now, ServerOptions options) => new(
        SyncStatus.All.ToDictionary(s => s, listing.Counts.Of),
        listing.Matching,
        listing.Page,
        listing.Rows.Select(r => new ListedTarget(r, r.Derived(now, options))).ToList(),
        listing.Repos,
        listing.Total);
}
