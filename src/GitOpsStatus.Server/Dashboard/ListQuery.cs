using System.Globalization;
using System.Text;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// The list page's state, all of it in the URL so that a link can be shared and the page works
/// without script: <c>/?q=rsyslog&amp;repo=infra&amp;status=OUT_OF_SYNC&amp;sort=check&amp;dir=desc&amp;page=2</c>.
/// Unknown or malformed values fall back to the defaults: a hand-edited link still shows a page.
/// </summary>
internal sealed record ListQuery(string Text, string Repo, string Status, string Sort, bool Descending, int Page)
{
    public const int PageSize = 500;

    /// <summary>Sortable columns: the key in the URL and the header a person reads.</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> Columns =
    [
        ("repo", "Repo"), ("server", "Server"), ("status", "Status"), ("drift", "Drifted files"),
        ("since", "Status since"), ("check", "Last check"), ("revision", "Revision"),
    ];

    public static readonly ListQuery Default = new("", "", "", "status", false, 1);

    public static ListQuery From(IQueryCollection query)
    {
        var sort = query["sort"].ToString();
        var status = query["status"].ToString().Trim().ToUpperInvariant();
        return new ListQuery(
            Text: query["q"].ToString().Trim(),
            Repo: query["repo"].ToString().Trim(),
            Status: SyncStatus.All.Contains(status) ? status : "",
            Sort: Columns.Any(c => c.Key == sort) ? sort : Default.Sort,
            Descending: query["dir"] == "desc",
            Page: int.TryParse(query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page > 0 ? page : 1);
    }

    /// <summary>This state as a link, leaving out defaults so URLs stay short.</summary>
    public string Url()
    {
        var url = new StringBuilder("/");
        void Add(string key, string value)
        {
            url.Append(url.Length == 1 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }
        if (Text.Length > 0)
            Add("q", Text);
        if (Repo.Length > 0)
            Add("repo", Repo);
        if (Status.Length > 0)
            Add("status", Status);
        if (Sort != Default.Sort || Descending)
        {
            Add("sort", Sort);
            if (Descending)
                Add("dir", "desc");
        }
        if (Page > 1)
            Add("page", Page.ToString(CultureInfo.InvariantCulture));
        return url.ToString();
    }

    /// <summary>The link a column header points to: sort by it, or flip the direction if it already sorts.</summary>
    public ListQuery SortedBy(string column) =>
        this with { Sort = column, Descending = Sort == column && !Descending, Page = 1 };

    /// <summary>The link a status count points to: filter to it, or clear the filter if it is the one shown.</summary>
    public ListQuery Toggled(string status) => this with { Status = Status == status ? "" : status, Page = 1 };
}
