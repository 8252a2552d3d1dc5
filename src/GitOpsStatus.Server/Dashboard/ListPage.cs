using System.Diagnostics;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// <c>GET /</c>: status counts that are also filters, the filter form, and the target table. Every
/// control is a link or a GET form, so reading works without script; dashboard.js only swaps the
/// <c>id</c>'d regions in place (filters as you type, refresh without losing scroll or focus).
/// </summary>
internal static class ListPage
{
    public static async Task<IResult> Get(HttpContext context, IStatusStore store, ServerOptions options, TimeProvider clock)
    {
        var started = Stopwatch.GetTimestamp();
        var query = ListQuery.From(context.Request.Query);
        var now = clock.GetUtcNow();
        var list = TargetListView.Build(await store.ReadListingAsync(TargetListView.Query(query), now, context.RequestAborted), now, options);
        var html = new Html(64 * 1024 + Math.Min(list.Rows.Count, ListQuery.PageSize) * 700);
        Render(html, list, query, now, options, signOut: context.Items[DashboardApi.SignedInKey] as string);
        context.Response.Headers["Server-Timing"] = $"render;dur={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0}";
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8");
    }

    internal static void Render(Html html, TargetListView list, ListQuery query, DateTimeOffset now, ServerOptions options, string? signOut = null)
    {
        var bad = list.Counts[SyncStatus.OutOfSync] + list.Counts[SyncStatus.Unknown];
        Layout.Open(html, bad > 0 ? $"{bad} need attention" : "Targets", options, now, signOut: signOut);
        html.Raw("<h1>Targets</h1>\n");
        Counts(html, list, query);
        Filters(html, list, query);
        Table(html, list, query, now);
        Layout.Close(html);
    }

    private static void Counts(Html html, TargetListView list, ListQuery query)
    {
        html.Raw("<nav id=\"counts\" class=\"counts\" aria-label=\"Filter by status\">\n");
        foreach (var status in SyncStatus.All)
        {
            var current = query.Status == status ? new RawHtml(" aria-current=\"true\"") : new RawHtml("");
            html.Add($"""<a class="count {new RawHtml(Format.StatusClass(status))}" href="{query.Toggled(status).Url()}" data-status="{status}"{current}><span class="n">{list.Counts[status]}</span> <span class="label">{Format.StatusLabel(status)}</span></a>""");
            html.Raw("\n");
        }
        html.Raw("</nav>\n");
    }

    private static void Filters(Html html, TargetListView list, ListQuery query)
    {
        html.Add($"""
            <form id="filters" class="filters" role="search" method="get" action="/">
            <div class="field"><label for="f-q">Search</label><input id="f-q" type="search" name="q" value="{query.Text}" placeholder="repo, server, file, revision" autocomplete="off"></div>
            <div class="field"><label for="f-repo">Repo</label><select id="f-repo" name="repo"><option value="">All repos</option>
            """);
        foreach (var repo in list.Repos)
            html.Add($"<option{Selected(repo == query.Repo)}>{repo}</option>");
        html.Raw("</select></div>\n<div class=\"field\"><label for=\"f-status\">Status</label><select id=\"f-status\" name=\"status\"><option value=\"\">All statuses</option>");
        foreach (var status in SyncStatus.All)
            html.Add($"<option{Selected(status == query.Status)}>{status}</option>");
        // The sort rides along when the form is submitted; dashboard.js swaps this span with the table.
        html.Raw("</select></div>\n<span id=\"filter-state\">");
        if (query.Sort != ListQuery.Default.Sort || query.Descending)
            html.Add($"<input type=\"hidden\" name=\"sort\" value=\"{query.Sort}\">");
        if (query.Descending)
            html.Raw("<input type=\"hidden\" name=\"dir\" value=\"desc\">");
        html.Raw("</span>\n");
        html.Raw("<div class=\"actions\"><button type=\"submit\">Filter</button> <a href=\"/\">Clear</a></div>\n</form>\n");
    }

    private static RawHtml Selected(bool selected) => new(selected ? " selected" : "");

    private static void Table(Html html, TargetListView list, ListQuery query, DateTimeOffset now)
    {
        var pages = Math.Max(1, (list.Matching + ListQuery.PageSize - 1) / ListQuery.PageSize);
        var page = list.Page;
        var first = (page - 1) * ListQuery.PageSize;
        var shown = list.Rows;

        html.Raw("<section id=\"results\" class=\"results\" aria-labelledby=\"results-caption\">\n<div class=\"table-wrap\">\n<table class=\"targets\">\n");
        html.Add($"<caption id=\"results-caption\">{Caption(list, first, shown.Count)}</caption>\n<thead><tr>");
        foreach (var (key, label) in ListQuery.Columns)
        {
            var sorted = query.Sort == key ? new RawHtml(query.Descending ? " aria-sort=\"descending\"" : " aria-sort=\"ascending\"") : new RawHtml("");
            html.Add($"<th scope=\"col\"{sorted}><a href=\"{query.SortedBy(key).Url()}\" data-sort=\"{key}\">{label}</a></th>");
        }
        html.Raw("</tr></thead>\n<tbody>\n");
        foreach (var target in shown)
            Row(html, target, now);
        if (shown.Count == 0)
        {
            var empty = list.Total == 0
                ? "No reports yet. POST one to /api/status (see the README)."
                : "No target matches these filters.";
            html.Add($"<tr class=\"empty\"><td colspan=\"{ListQuery.Columns.Count}\">{empty}</td></tr>\n");
        }
        html.Raw("</tbody>\n</table>\n</div>\n");
        if (pages > 1)
            Pager(html, query, page, pages);
        html.Raw("</section>\n");
    }

    private static string Caption(TargetListView list, int first, int count) =>
        count == 0 ? $"0 of {list.Total} targets"
        : count == list.Matching ? $"{count} of {list.Total} targets"
        : $"{first + 1}–{first + count} of {list.Matching} matching ({list.Total} targets)";

    private static void Row(Html html, ListedTarget target, DateTimeOffset now)
    {
        var row = target.Row;
        var status = target.Status.Status;
        var statusClass = new RawHtml(Format.StatusClass(status));
        var onlyRepo = (ListQuery.Default with { Repo = row.Repo }).Url();
        var acked = row.Acknowledged(now);
        html.Add($"""<tr class="{statusClass}{new RawHtml(acked ? " acked" : "")}" data-status="{status}"><td data-label="Repo"><a href="{onlyRepo}" title="Only {row.Repo}">{row.Repo}</a></td><td data-label="Server"><a href="{TargetUrl(row.Repo, row.Server)}">{row.Server}</a></td><td data-label="Status">""");
        Format.Badge(html, status);
        if (acked)
            html.Add($""" <span class="ack" title="{row.Ack!.Reason} (by {row.Ack.By})">acknowledged until {Format.Clock(DateTimeOffset.FromUnixTimeMilliseconds(row.Ack.Until))}</span>""");
        if (row.Flapping)
            html.Raw(" <span class=\"flapping\" title=\"Its status keeps changing; notifications wait until it settles\">flapping</span>");
        if (row.Recurrences(now) is > 1 and var recurrences)
            html.Add($" <span class=\"recurs\" title=\"Reports in the last 30 days in which a file started drifting\">drifted {recurrences}× this month</span>");
        // A degraded agent may miss changes: the row says so beside its status, with the reason on hover.
        if (row.Detection == DetectionMode.Degraded)
            html.Add($" <span class=\"degraded\" title=\"{row.DetectionError ?? "realtime detection is not fully working"}\">degraded</span>");
        html.Raw("</td><td data-label=\"Drifted files\" class=\"files\">");
        if (row.Cause is { } cause && row.SyncStatus == SyncStatus.OutOfSync)
            html.Add($"<span class=\"cause cause-{cause}\">{(cause == DriftCause.Edited ? "edited" : "other revision")}</span> ");
        // An UNKNOWN target's count is not zero drift but no answer: its error takes the place of the count.
        if (row.SyncStatus != SyncStatus.Unknown)
            html.Add($"<span class=\"drift-count\">{row.DriftCount}</span>");
        if (row.Files.Length > 0)
            html.Add($" <span class=\"names\" title=\"{row.Files}\">{Shorten(row.Files, 120)}</span>");
        else if (row.Error is { Length: > 0 } error)
            html.Add($"<span class=\"names error\" title=\"{error}\">{Shorten(error, 120)}</span>");
        html.Raw("</td><td data-label=\"Status since\">");
        Format.Ago(html, target.Status.Since, now);
        html.Raw("</td><td data-label=\"Last check\">");
        Format.Ago(html, row.LastCheck, now);
        html.Raw("</td><td data-label=\"Revision\">");
        if (row.Revision is { Length: > 0 } revision)
            html.Add($"<code title=\"{revision}\">{Format.ShortRevision(revision)}</code>");
        html.Raw("</td></tr>\n");
    }

    private static void Pager(Html html, ListQuery query, int page, int pages)
    {
        html.Raw("<nav class=\"pager\" aria-label=\"Pages\">");
        var previous = (query with { Page = page - 1 }).Url();
        var next = (query with { Page = page + 1 }).Url();
        if (page > 1)
            html.Add($"<a rel=\"prev\" href=\"{previous}\">← Previous</a> ");
        html.Add($"<span>Page {page} of {pages}</span>");
        if (page < pages)
            html.Add($" <a rel=\"next\" href=\"{next}\">Next →</a>");
        html.Raw("</nav>\n");
    }

    /// <summary>The target page's path, shaped like the API's <c>/api/targets/{server}/{repo}</c> (repo names may hold '/').</summary>
    public static string TargetUrl(string repo, string server) =>
        "/targets/" + Uri.EscapeDataString(server) + "/" + string.Join('/', repo.Split('/').Select(Uri.EscapeDataString));

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
