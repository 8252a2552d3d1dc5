using System.Security.Claims;
using System.Text.Json;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Writing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Acknowledgements;

/// <summary>
/// <c>/api/acknowledgements/{server}/{repo}</c>: accept a target's current drift until a date (POST), end it (DELETE), list its
/// acknowledgements (GET). Server first and repo last, as the other target routes.
/// </summary>
public static class AcknowledgementsApi
{
    private const string Route = "/api/acknowledgements/{server}/{**repo}";

    /// <summary>The read route; Program.cs puts it in the read group.</summary>
    public static IEndpointRouteBuilder MapAcknowledgementReads(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, List).WithName("ListAcknowledgements").WithTags("Acknowledgements")
            .WithSummary("A target's acknowledgements, newest first: the current one and the ended ones (who, what, why, until, when and why it ended)")
            .WithDescription("Its acknowledgement history: each with the files whose content it covered, reason, by, until, created_at, and once it ended "
                + "ended_at and end_reason (status, content, expired, deleted, replaced); active is true for the one that holds now. Up to 1,000, newest first.")
            .ProducesValidationProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The write routes; Program.cs puts them in a group that needs a write token (scoped to the target) or the admin token.</summary>
    public static IEndpointRouteBuilder MapAcknowledgementWrites(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, Create).WithName("Acknowledge").WithTags("Acknowledgements")
            .WithSummary("Acknowledge a target's current drift until a date: it stays OUT_OF_SYNC, shown acknowledged and quiet")
            .WithDescription("Body: {\"reason\": required, \"until\": required (YYYY-MM-DD meaning 00:00 UTC, or an ISO 8601 time; future, at most 90 days ahead), "
                + "\"by\": optional}. It covers the drifted files' current content: it ends (with one notification) when that content changes, another file "
                + "drifts, the target is no longer OUT_OF_SYNC, or until passes. A new acknowledgement replaces the current one.")
            .Accepts<AckBody>("application/json")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesValidationProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        app.MapDelete(Route, Delete).WithName("DeleteAcknowledgement").WithTags("Acknowledgements")
            .WithSummary("End a target's acknowledgement now: it is loud again, with one notification")
            .WithDescription("Answers the ended acknowledgement (end_reason deleted); 404 when the target has none. Same tokens as acknowledging.")
            .ProducesValidationProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<AckItem>, ProblemHttpResult>> Create(HttpContext context, ClaimsPrincipal user, IStatusStore store,
        GroupCommitWriter writer, ServerOptions options, TimeProvider clock, IAuthorizationService authorization, string server, string repo)
    {
        AckBody? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync(context.Request.Body, ServerJson.Default.AckBody, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return Problem.Rejected(400, "Malformed acknowledgement", "$", $"the body is not the JSON expected ({e.Message}); send {{\"reason\": \"…\", \"until\": \"YYYY-MM-DD\"}}");
        }
        if (body is null)
            return Problem.Rejected(400, "Malformed acknowledgement", "$", "the body is empty or null; send {\"reason\": \"…\", \"until\": \"YYYY-MM-DD\"}");
        var (ack, problem) = await Acknowledging.CreateAsync(repo, server, body, user, store, writer, options, clock, authorization, context.RequestAborted);
        if (problem is not null)
            return problem;
        return TypedResults.Created($"/api/acknowledgements/{Api.TargetsApi.TargetPath(repo, server)}", ack!.ToItem(clock.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    private static async Task<Results<Ok<AckItem>, ProblemHttpResult>> Delete(ClaimsPrincipal user, GroupCommitWriter writer, TimeProvider clock,
        IAuthorizationService authorization, string server, string repo)
    {
        if (!await Acknowledging.MayWriteAsync(user, repo, server, authorization))
            return Access.AccessPolicies.OutOfScope(user, new Access.ReportTarget(repo, server));
        var now = clock.GetUtcNow();
        var ended = await writer.RunAsync(store => store.Unacknowledge(repo, server, now));
        return ended is null
            ? Problem.Rejected(404, "No acknowledgement", "repo", $"\"{repo}\" on \"{server}\" has no current acknowledgement (GET {Route.Replace("{**repo}", repo).Replace("{server}", server)} lists past ones)")
            : TypedResults.Ok(ended.ToItem(now.ToUnixTimeMilliseconds()));
    }

    private static async Task<Results<Ok<AckList>, ProblemHttpResult>> List(IStatusStore store, TimeProvider clock, string server, string repo,
        CancellationToken cancellationToken)
    {
        var acks = await store.ReadAcksAsync(repo, server, cancellationToken);
        if (acks.Count == 0 && await store.ReadTargetAsync(repo, server, cancellationToken) is null)
            return Acknowledging.NotFound(repo, server);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        return TypedResults.Ok(new AckList(repo, server, acks.Select(a => a.ToItem(now)).ToList()));
    }
}
