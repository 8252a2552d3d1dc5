using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Acknowledgements;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;
using GitOpsStatus.Server.Writing;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// The target page's acknowledgement form (POST <c>/acknowledge/{server}/{repo}</c>) and its end button (POST
/// <c>/unacknowledge/…</c>): the API's rules and checks (<see cref="Acknowledging"/>), with the framework's antiforgery token.
/// </summary>
internal static class AckForm
{
    public static void Write(Html html, TargetRow row, DerivedStatus status, DateTimeOffset now, string formToken)
    {
        var path = TargetsApiPath(row.Repo, row.Server);
        if (row.Acknowledged(now))
        {
            html.Add($"""
                <section id="acknowledge" aria-labelledby="ack-title"><h2 id="ack-title">Acknowledged</h2>
                <form method="post" action="/unacknowledge/{new RawHtml(path)}">{LoginPage.AntiforgeryField(formToken)}
                <button type="submit">End the acknowledgement now</button></form></section>

                """);
            return;
        }
        if (status.Status != SyncStatus.OutOfSync)
            return;
        var latest = DateOnly.FromDateTime((now + TargetRules.MaxAcknowledgement).UtcDateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        html.Add($"""
            <section id="acknowledge" aria-labelledby="ack-title"><h2 id="ack-title">Acknowledge this drift</h2>
            <p class="meta">It stays OUT_OF_SYNC, shown muted and without reminders, until the date (00:00 UTC), or until a drifted file's content changes, another file drifts or it is back in sync.</p>
            <form class="ack-form" method="post" action="/acknowledge/{new RawHtml(path)}">{LoginPage.AntiforgeryField(formToken)}
            <label>Reason <input name="reason" required maxlength="{Acknowledging.MaxReasonLength}"></label>
            <label>Until <input name="until" type="date" required max="{latest}"></label>
            <label>By <input name="by" maxlength="{Acknowledging.MaxByLength}" placeholder="your name (optional)"></label>
            <button type="submit">Acknowledge</button>
            </form></section>

            """);
    }

    /// <summary>The target's path as the routes take it: server, then the repo (slashes kept).</summary>
    private static string TargetsApiPath(string repo, string server) => Api.TargetsApi.TargetPath(repo, server);

    public static async Task<IResult> Acknowledge(HttpContext context, string server, string repo, IStatusStore store, GroupCommitWriter writer,
        ServerOptions options, TimeProvider clock, IAuthorizationService authorization)
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
            return Refused(options, clock, repo, server, 400, ["That form came from another site or has expired; reload the target page and try again."]);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var body = new AckBody(form["reason"].ToString(), form["until"].ToString(), form["by"].ToString() is { Length: > 0 } by ? by : null);
        var (_, problem) = await Acknowledging.CreateAsync(repo, server, body, context.User, store, writer, options, clock, authorization, context.RequestAborted);
        return problem is null ? BackToTarget(repo, server) : Refused(options, clock, repo, server, problem);
    }

    public static async Task<IResult> Unacknowledge(HttpContext context, string server, string repo, GroupCommitWriter writer, ServerOptions options,
        TimeProvider clock, IAuthorizationService authorization)
    {
        if (context.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
            return Refused(options, clock, repo, server, 400, ["That form came from another site or has expired; reload the target page and try again."]);
        if (!await Acknowledging.MayWriteAsync(context.User, repo, server, authorization))
            return Refused(options, clock, repo, server, 403, ["This token may not acknowledge this target."]);
        var now = clock.GetUtcNow();
        await writer.RunAsync(s => s.Unacknowledge(repo, server, now));
        return BackToTarget(repo, server);
    }

    private static RedirectHttpResult BackToTarget(string repo, string server) =>
        TypedResults.Redirect(ListPage.TargetUrl(repo, server), permanent: false, preserveMethod: false);

    private static ContentHttpResult Refused(ServerOptions options, TimeProvider clock, string repo, string server, ProblemHttpResult problem) =>
        Refused(options, clock, repo, server, problem.StatusCode, problem.ProblemDetails is HttpValidationProblemDetails v
            ? v.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}")).ToList()
            : [problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title ?? "refused"]);

    private static ContentHttpResult Refused(ServerOptions options, TimeProvider clock, string repo, string server, int status, IReadOnlyList<string> reasons)
    {
        var html = new Html();
        Layout.Open(html, "Not acknowledged", options, clock.GetUtcNow(), refresh: false);
        html.Raw("<h1>Not acknowledged</h1>\n<ul class=\"alert\">\n");
        foreach (var reason in reasons)
            html.Add($"<li>{reason}</li>\n");
        html.Add($"</ul>\n<p><a href=\"{ListPage.TargetUrl(repo, server)}\">Back to {server} in {repo}</a></p>\n");
        Layout.Close(html);
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8", statusCode: status);
    }
}
