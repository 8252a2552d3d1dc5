using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Live;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Status;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;
using GitOpsStatus.Server.Writing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Api;

/// <summary>
/// The JSON API for scripts. Repo names may contain <c>/</c>, server names never do, so a target's
/// routes put the server first and the repo last, as a catch-all: <c>/api/targets/web-1/infra/rsyslog</c>
/// is server <c>web-1</c> of repo <c>infra/rsyslog</c>. Unambiguous, and no %2F encoding needed.
/// </summary>
public static class TargetsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The read routes; Program.cs puts them in a group that applies the read-token check.</summary>
    public static IEndpointRouteBuilder MapTargetsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Targets");
        api.MapGet("/targets", List).WithName("ListTargets")
            .WithSummary("Targets with their derived status, sorted by repo then server, filtered and paged")
            .WithDescription("Filters: repo, server (exact), status (comma list of SYNCED, OUT_OF_SYNC, STALE, UNKNOWN, derived now). Paging: limit (1–1000, default 100), offset.")
            .ProducesValidationProblem();
        api.MapGet("/targets/{server}/{**repo}", Get).WithName("GetTarget")
            .WithSummary("One target with its latest report: every file, change kind, hashes and diff")
            .WithDescription("The server comes first and the repo last, so repos containing '/' need no encoding: /api/targets/web-1/infra/rsyslog.")
            .ProducesValidationProblem(StatusCodes.Status404NotFound);
        api.MapGet("/history/{server}/{**repo}", History).WithName("GetTargetHistory")
            .WithSummary("A target's change events, newest first, paged")
            .WithDescription("One event per change of status, drifted file set or revision (never per heartbeat), and one when the target went STALE. Paging: limit (1–1000, default 100), before (the id from the previous page's next link).")
            .ProducesValidationProblem()
            .ProducesValidationProblem(StatusCodes.Status404NotFound);
        api.MapGet("/summary", Summary).WithName("GetSummary").WithSummary("Targets per derived status, overall and per repo")
            .WithDescription("Counts of SYNCED, OUT_OF_SYNC, STALE and UNKNOWN targets, derived at the time given in at.");
        return app;
    }

    /// <summary>The admin routes; Program.cs puts them in a group that applies the admin-token check.</summary>
    public static IEndpointRouteBuilder MapTargetsAdmin(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/api/targets/{server}/{**repo}", Delete).WithName("DeleteTarget").WithTags("Targets")
            .WithSummary("Forget a retired target: its row, its history and its pending notifications (admin token)")
            .WithDescription("For a server that was retired: without this its last report would go STALE and stay. A target that reports again comes back.")
            .ProducesValidationProblem(StatusCodes.Status404NotFound);
        return app;
    }

    internal static string TargetPath(string repo, string server) => $"{Uri.EscapeDataString(server)}/{repo}";

    private static async Task<Results<Ok<TargetList>, ProblemHttpResult>> List(
        IStatusStore store, ServerOptions options, TimeProvider clock, string? repo, string? server, string? status, string? limit, string? offset,
        CancellationToken cancellationToken)
    {
        var statuses = StatusJsonApi.ParseStatuses(status);
        if (statuses is null)
            return Rejected("status", $"\"{status}\" is not a status; expected SYNCED, OUT_OF_SYNC, STALE or UNKNOWN (comma-separated for several)");
        if (Limit(limit, out var pageSize) is { } limitError)
            return limitError;
        if (Number("offset", offset, 0, int.MaxValue, "0 or more", out var skip) is { } offsetError)
            return offsetError;

        var now = clock.GetUtcNow();
        var query = new TargetQuery(Empty(repo), Empty(server), statuses, pageSize, (int)(skip ?? 0));
        var page = await store.ReadTargetPageAsync(query, now, cancellationToken);
        // A page holds min(limit, total - offset) rows; a next page exists when this one is full and more follow.
        var next = query.Offset + query.Limit < page.Total
            ? $"/api/targets?{Query(("repo", query.Repo), ("server", query.Server), ("status", Empty(status)), ("limit", query.Limit.ToString(Inv)), ("offset", (query.Offset + query.Limit).ToString(Inv)))}"
            : null;
        return TypedResults.Ok(new TargetList(page.Rows.Select(r => r.ToItem(now, options)), page.Total, query.Limit, query.Offset, next));
    }

    private static async Task<Results<Ok<TargetDetailResponse>, ProblemHttpResult>> Get(
        IStatusStore store, ServerOptions options, TimeProvider clock, string server, string repo, CancellationToken cancellationToken)
    {
        var detail = await store.ReadTargetAsync(repo, server, cancellationToken);
        if (detail is null)
            return NotFound(repo, server);
        using var report = JsonDocument.Parse(detail.ReportJson);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(new TargetDetailResponse(detail.Row.ToItem(now, options), report.RootElement.Clone(), [.. detail.Drift.Select(f => f.ToItem(now))]));
    }

    private static async Task<Results<Ok<HistoryList>, ProblemHttpResult>> History(
        IStatusStore store, string server, string repo, string? limit, string? before, CancellationToken cancellationToken)
    {
        if (Limit(limit, out var pageSize) is { } limitError)
            return limitError;
        if (Number("before", before, 1, long.MaxValue, "an event id of 1 or more, from the previous page's next link", out var beforeId) is { } beforeError)
            return beforeError;
        if (beforeId is null && !await store.TargetExistsAsync(repo, server, cancellationToken))
            return NotFound(repo, server);
        var page = await store.ReadHistoryAsync(repo, server, pageSize, beforeId, cancellationToken);
        var next = page.NextBeforeId is { } id ? $"/api/history/{TargetPath(repo, server)}?limit={pageSize}&before={id}" : null;
        return TypedResults.Ok(new HistoryList(repo, server, page.Events.Select(e => e.ToItem()), next));
    }

    private static async Task<Ok<SummaryResponse>> Summary(IStatusStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var summary = await store.ReadSummaryAsync(now, cancellationToken);
        return TypedResults.Ok(new SummaryResponse(Time.Iso(now), summary.Overall.ToItem(), summary.Repos.Select(r => r.ToItem()).ToList()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(GroupCommitWriter writer, ChangeFeed feed, string server, string repo)
    {
        var deleted = await writer.RunAsync(store => store.DeleteTarget(repo, server));
        if (deleted)
            feed.Signal();
        return deleted ? TypedResults.NoContent() : NotFound(repo, server);
    }

    private static ProblemHttpResult? Limit(string? text, out int limit)
    {
        var problem = Number("limit", text, 1, MaxLimit, $"1 to {MaxLimit}", out var value);
        limit = (int)(value ?? DefaultLimit);
        return problem;
    }

    /// <summary>
    /// A whole-number query value, absent (null) or within [<paramref name="min"/>, <paramref name="max"/>]. Numbers are
    /// bound as text and parsed here: a number parameter that fails to bind answers a bare 400 naming no field.
    /// </summary>
    private static ProblemHttpResult? Number(string field, string? text, long min, long max, string expected, out long? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
            return null;
        if (!long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, Inv, out var parsed))
            return Rejected(field, $"\"{text}\" is not a whole number; expected {expected}");
        if (parsed < min || parsed > max)
            return Rejected(field, $"\"{text}\" is out of range; expected {expected}");
        value = parsed;
        return null;
    }

    private static ProblemHttpResult NotFound(string repo, string server) =>
        Problem.Rejected(404, "No such target", "repo", $"no target \"{repo}\" on server \"{server}\" is stored; names are case-sensitive (GET /api/targets lists them)");

    private static ProblemHttpResult Rejected(string field, string message) => Problem.Rejected(400, "Invalid query", field, message);

    private static string Query(params (string Key, string? Value)[] pairs) =>
        string.Join('&', pairs.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static readonly System.Globalization.CultureInfo Inv = System.Globalization.CultureInfo.InvariantCulture;
}
