using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>A stored target with the status readers see now.</summary>
internal readonly record struct ListedTarget(TargetRow Row, DerivedStatus Status);

/// <summary>
/// What the list page shows for one <see cref="ListQuery"/>: the counts per status (after the text
/// and repo filters, so that the header answers "how many of these are red"), the rows that pass
/// every filter in the asked order, and every repo for the repo picker.
/// </summary>
internal sealed record TargetListView(IReadOnlyDictionary<string, int> Counts, List<ListedTarget> Rows, List<string> Repos, int Total)
{
    /// <summary>Worst first: the default order puts what needs a person at the top.</summary>
    public static int Severity(string status) => status switch
    {
        SyncStatus.OutOfSync => 0,
        SyncStatus.Unknown => 1,
        SyncStatus.Stale => 2,
        _ => 3,
    };

    public static TargetListView Build(List<TargetRow> stored, ListQuery query, DateTimeOffset now, ServerOptions options)
    {
        var counts = SyncStatus.All.ToDictionary(s => s, _ => 0);
        var repos = new List<string>();
        var rows = new List<ListedTarget>(stored.Count);
        foreach (var row in stored)
        {
            // Stored rows come sorted by repo, so distinct repos are the changes of value.
            if (repos.Count == 0 || repos[^1] != row.Repo)
                repos.Add(row.Repo);
            if (query.Repo.Length > 0 && row.Repo != query.Repo)
                continue;
            if (query.Text.Length > 0 && !Matches(row, query.Text))
                continue;
            var status = row.Derived(now, options);
            counts[status.Status]++;
            if (query.Status.Length == 0 || status.Status == query.Status)
                rows.Add(new ListedTarget(row, status));
        }
        rows.Sort(Comparer(query.Sort, query.Descending));
        return new TargetListView(counts, rows, repos, stored.Count);
    }

    private static bool Matches(TargetRow row, string text) =>
        row.Repo.Contains(text, StringComparison.OrdinalIgnoreCase)
        || row.Server.Contains(text, StringComparison.OrdinalIgnoreCase)
        || row.Files.Contains(text, StringComparison.OrdinalIgnoreCase)
        || (row.Revision?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || (row.Source?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || (row.Error?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false);

    private static Comparison<ListedTarget> Comparer(string sort, bool descending)
    {
        Comparison<ListedTarget> primary = sort switch
        {
            "repo" => (a, b) => string.CompareOrdinal(a.Row.Repo, b.Row.Repo),
            "server" => (a, b) => string.CompareOrdinal(a.Row.Server, b.Row.Server),
            "drift" => (a, b) => a.Row.DriftCount.CompareTo(b.Row.DriftCount),
            "since" => (a, b) => a.Status.Since.CompareTo(b.Status.Since),
            "check" => (a, b) => a.Row.LastCheck.CompareTo(b.Row.LastCheck),
            "revision" => (a, b) => string.CompareOrdinal(a.Row.Revision, b.Row.Revision),
            _ => (a, b) => Severity(a.Status.Status).CompareTo(Severity(b.Status.Status)),
        };
        // Ties always fall back to repo then server, ascending, so pages are stable between refreshes.
        return (a, b) =>
        {
            var c = primary(a, b);
            if (c != 0)
                return descending ? -c : c;
            c = string.CompareOrdinal(a.Row.Repo, b.Row.Repo);
            return c != 0 ? c : string.CompareOrdinal(a.Row.Server, b.Row.Server);
        };
    }
}
