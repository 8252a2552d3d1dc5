using System.Diagnostics;
using System.Globalization;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// <c>GET /targets/{server}/{repo}</c> (the API's shape): the target's facts, every drifted file with
/// its change kind and diff, and its history timeline, newest first, paged with <c>?before=</c>.
/// </summary>
internal static class TargetPage
{
    public const int HistoryPageSize = 50;

    public static async Task<IResult> Get(HttpContext context, string server, string repo, string? before,
        IStatusStore store, ServerOptions options, TimeProvider clock)
    {
        var started = Stopwatch.GetTimestamp();
        var detail = await store.ReadTargetAsync(repo, server, context.RequestAborted);
        var now = clock.GetUtcNow();
        var html = new Html();
        var signedIn = context.Items[DashboardApi.SignedInKey] as string;
        if (detail is null)
        {
            Layout.Open(html, "Not found", options, now, refresh: false, signOut: signedIn);
            html.Add($"""
                <h1>No such target</h1>
                <p>Nothing has reported for repo <strong>{repo}</strong> on server <strong>{server}</strong>, or it was deleted.</p>
                <p><a href="/">All targets</a></p>
                """);
            Layout.Close(html);
            return TypedResults.Content(html.ToString(), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        }

        // Like the list page's query, a hand-edited ?before= that is not an event id shows the newest page, never a bare 400.
        long? beforeId = long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
        var page = await store.ReadHistoryAsync(repo, server, HistoryPageSize, beforeId, context.RequestAborted);
        var history = (Events: await page.Events.ToListAsync(context.RequestAborted), page.NextBeforeId);
        var formToken = context.RequestServices.GetRequiredService<Microsoft.AspNetCore.Antiforgery.IAntiforgery>().GetAndStoreTokens(context).RequestToken!;
        Render(html, detail, history, beforeId, detail.Row.Derived(now, options), now, options, signedIn, formToken);
        context.Response.Headers["Server-Timing"] = $"render;dur={Stopwatch.GetElapsedTime(started).TotalMilliseconds:0.0}";
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static void Render(Html html, TargetDetail detail, (List<HistoryEvent> Events, long? NextBeforeId) history, long? before, DerivedStatus status,
        DateTimeOffset now, ServerOptions options, string? signedIn, string formToken)
    {
        var row = detail.Row;
        var report = detail.Report;
        Layout.Open(html, $"{row.Server} · {row.Repo}", options, now, signOut: signedIn);
        var repoUrl = (ListQuery.Default with { Repo = row.Repo }).Url();
        html.Add($"""
            <nav class="crumbs" aria-label="Breadcrumb"><a href="/">All targets</a> › <a href="{repoUrl}">{row.Repo}</a></nav>
            <div id="target">
            <h1>{row.Server} <span class="muted">in {row.Repo}</span></h1>
            <p class="notice {new RawHtml(Format.StatusClass(status.Status))}{new RawHtml(row.Acknowledged(now) ? " acked" : "")}">
            """);
        Format.Badge(html, status.Status);
        html.Add($" since {Format.Clock(status.Since)} (");
        Format.Ago(html, status.Since, now);
        html.Raw(")");
        if (row.Flapping)
            html.Raw(" <span class=\"flapping\" id=\"flapping\" title=\"Its status keeps changing; notifications wait until it settles\">flapping</span>");
        if (row.Recurrences(now) is > 1 and var recurrences)
            html.Add($" <span class=\"recurs\" id=\"recurrences\" title=\"Reports in the last 30 days in which a file started drifting\">drifted {recurrences}× this month</span>");
        if (row.Acknowledged(now))
            html.Add($"""<br><span class="ack">Acknowledged by {row.Ack!.By} until {Format.Clock(DateTimeOffset.FromUnixTimeMilliseconds(row.Ack.Until))}: {row.Ack.Reason}</span>""");
        html.Raw("</p>\n<dl class=\"facts\">\n");
        Fact(html, "Last check", () => Format.Ago(html, row.LastCheck, now));
        Fact(html, "Received", () => Format.Ago(html, row.ReceivedAt, now));
        Fact(html, "Last synced", () =>
        {
            if (row.LastSyncedAt is { } synced)
                Format.Ago(html, synced, now);
            else
                html.Raw("never");
        });
        Fact(html, "Revision", row.Revision);
        Fact(html, "Source", row.Source);
        Fact(html, "Checker", report.Checker);
        Fact(html, "Interval", row.IntervalSeconds is { } interval ? $"{interval} s (stale after {interval * TargetRules.StaleIntervals} s)" : null);
        Fact(html, "Duration", report.DurationMs is { } ms ? $"{ms} ms" : null);
        Fact(html, "Error", row.Error);
        Detection(html, row);
        html.Raw("</dl>\n");

        // An UNKNOWN report lists no files because nothing could be compared, not because nothing drifted.
        if (row.SyncStatus == SyncStatus.Unknown)
            CheckFailed(html, row, report, now);
        else
            Files(html, report, detail.Drift, now);
        History(html, history, before, row, now);
        html.Raw("</div>\n");
        // Outside #target, which refreshes in place: what someone types here survives the refresh.
        AckForm.Write(html, row, status, now, formToken);
        Layout.Close(html);
    }

    /// <summary>How the agent watches; a degraded one says why, marked so that it stands out.</summary>
    private static void Detection(Html html, TargetRow row)
    {
        if (row.Detection is not { } detection)
            return;
        if (detection == DetectionMode.Degraded)
            html.Add($"<dt>Detection</dt><dd class=\"degraded\" id=\"detection\"><strong>degraded</strong>: {row.DetectionError ?? "the agent did not say why"}</dd>\n");
        else
            html.Add($"<dt>Detection</dt><dd id=\"detection\">{detection}</dd>\n");
    }

    private static void Fact(Html html, string label, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            html.Add($"<dt>{label}</dt><dd>{value}</dd>\n");
    }

    private static void Fact(Html html, string label, Action writeValue)
    {
        html.Add($"<dt>{label}</dt><dd>");
        writeValue();
        html.Raw("</dd>\n");
    }

    private static void CheckFailed(Html html, TargetRow row, StatusReport report, DateTimeOffset now)
    {
        var lastCheck = DateTimeOffset.FromUnixTimeMilliseconds(row.LastCheck);
        html.Add($"""
            <section id="check-error" class="check-error s-unknown" role="alert" aria-labelledby="check-error-title">
            <h2 id="check-error-title">Not checked: drift unknown</h2>
            <p>The last check, at {Format.Clock(lastCheck)} (
            """);
        Format.Ago(html, lastCheck, now);
        html.Add($"""
            ){(report.Source is { Length: > 0 } source ? " from " + source : "")}, could not compare this server with git, so no file is listed. It reported:</p>
            <pre class="error-text">{row.Error ?? "no reason (the report has no error text)"}</pre>
            </section>

            """);
    }

    private static void Files(Html html, StatusReport report, IReadOnlyList<FileDrift> drift, DateTimeOffset now)
    {
        var files = report.Files ?? [];
        html.Add($"<h2 id=\"files\">Drifted files ({report.DriftCount ?? files.Count})</h2>\n");
        if (files.Count == 0)
        {
            html.Raw(report.DriftCount is > 0
                ? "<p>The sender counted drifted files but did not name them.</p>\n"
                : "<p>None: the server matched git at the last check.</p>\n");
            return;
        }
        // By name, not a search per file: a report may name tens of thousands of files.
        var ages = new Dictionary<string, FileDrift>(StringComparer.Ordinal);
        foreach (var age in drift)
            ages.TryAdd(age.Name, age);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var change = file.Change ?? "changed";
            html.Add($"""
                <section class="file" aria-labelledby="file-{i}">
                <header><h3 id="file-{i}">{file.Name}</h3><span class="kind kind-{change}">{change}</span></header>

                """);
            var meta = new List<string>(5);
            if (file.RepoPath is { Length: > 0 } repoPath)
                meta.Add($"in git: {repoPath}");
            if (file.ExpectedSha256 is { Length: > 0 } expected)
                meta.Add($"expected sha256 {Short(expected)}");
            if (file.ActualSha256 is { Length: > 0 } actual)
                meta.Add($"actual sha256 {Short(actual)}");
            if (file.ExpectedMode is not null || file.ActualMode is not null)
                meta.Add($"mode: git wants {file.ExpectedMode ?? "?"}, the server has {file.ActualMode ?? "?"}");
            if (file.ExpectedOwner is not null || file.ActualOwner is not null)
                meta.Add($"owner: git wants {file.ExpectedOwner ?? "?"}, the server has {file.ActualOwner ?? "?"}");
            if (meta.Count > 0)
                html.Add($"<p class=\"meta\">{string.Join(" · ", meta)}</p>\n");
            if (file.Name is not null && ages.TryGetValue(file.Name, out var age))
                DriftAge(html, age, now);
            if (Origin.Describe(file) is { } origin)
                html.Add($"<p class=\"origin cause-{file.Cause ?? "unknown"}\">{origin}</p>\n");
            if (file.Diff is { Length: > 0 } diff)
                DiffView.Write(html, diff);
            else
                html.Add($"<p class=\"meta nodiff\">{NoDiff(file)}</p>\n");
            html.Raw("</section>\n");
        }
    }

    /// <summary>"drifting since … (3 d ago) · drifted 4× this month": how long this drift has lasted and how often the file drifted lately.</summary>
    private static void DriftAge(Html html, FileDrift drift, DateTimeOffset now)
    {
        html.Add($"<p class=\"drift-age\">drifting since {Format.Clock(DateTimeOffset.FromUnixTimeMilliseconds(drift.FirstSeen))} (");
        Format.Ago(html, drift.FirstSeen, now);
        html.Raw(")");
        if (drift.Recurrences(now) is > 1 and var times)
            html.Add($" · <span class=\"recurs\">drifted {times}× this month</span>");
        html.Raw("</p>\n");
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] + "…" : hash;

    private static string NoDiff(DriftedFile file) =>
        file.Binary == true ? "Binary file: no diff."
        : file.Change == ChangeKind.Missing ? "Missing on the server: no diff."
        : file.Change is ChangeKind.Mode or ChangeKind.Owner ? "Only the file's " + file.Change + " differs."
        : "No diff was sent.";

    private static void History(Html html, (List<HistoryEvent> Events, long? NextBeforeId) history, long? before, TargetRow row, DateTimeOffset now)
    {
        html.Raw("<h2 id=\"history\">History</h2>\n");
        if (history.Events.Count == 0)
        {
            html.Raw("<p>No events.</p>\n");
            return;
        }
        html.Raw("<ol class=\"timeline\">\n");
        foreach (var e in history.Events)
        {
            html.Add($"<li class=\"{new RawHtml(Format.StatusClass(e.ToStatus))}\">");
            Format.Ago(html, e.At, now);
            html.Add($" <span class=\"when\">{Format.Clock(DateTimeOffset.FromUnixTimeMilliseconds(e.At))}</span><br>{Describe(e)}</li>\n");
        }
        html.Raw("</ol>\n");
        var target = ListPage.TargetUrl(row.Repo, row.Server);
        html.Raw("<nav class=\"pager\" aria-label=\"History pages\">");
        if (before is not null)
            html.Add($"<a href=\"{target}#history\">Newest</a>");
        if (history.NextBeforeId is { } next)
            html.Add($"<a rel=\"next\" href=\"{target}?before={next}#history\">Older events</a>");
        html.Raw("</nav>\n");
    }

    /// <summary>One event in words: what changed, from what to what.</summary>
    internal static string Describe(HistoryEvent e)
    {
        if (e.Ack is { } ack)
            return e.Changes == AckEvents.Made
                ? $"Acknowledged by {ack.By} until {Format.Clock(DateTimeOffset.FromUnixTimeMilliseconds(ack.Until))}: {ack.Reason}"
                : $"Acknowledgement by {ack.By} ended ({EndedBecause(ack.EndReason)}): {ack.Reason}";
        var changes = e.Changes.Split(',');
        var parts = new List<string>(3);
        if (changes.Contains("first"))
            parts.Add($"First report: {e.ToStatus}");
        else if (changes.Contains("status"))
            parts.Add($"{e.FromStatus ?? "?"} → {e.ToStatus}");
        if (changes.Contains("files") || (changes.Contains("first") && e.DriftCount > 0))
            parts.Add(e.DriftCount == 0 ? "no drifted files" : $"{e.DriftCount.ToString(CultureInfo.InvariantCulture)} drifted: {e.Files}");
        if (changes.Contains("revision"))
            parts.Add(e.FromRevision is null ? $"revision {e.Revision}" : $"revision {e.FromRevision} → {e.Revision ?? "none"}");
        else if (changes.Contains("first") && e.Revision is not null)
            parts.Add($"revision {e.Revision}");
        return string.Join("; ", parts);
    }

    private static string EndedBecause(string? why) => why switch
    {
        AckEnded.Expired => "expired",
        AckEnded.Content => "the drifted content changed",
        AckEnded.Status => "no longer OUT_OF_SYNC",
        AckEnded.Deleted => "deleted",
        AckEnded.Replaced => "replaced",
        _ => why ?? "ended",
    };
}
