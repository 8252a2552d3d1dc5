using System.Buffers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Access;
using GitOpsStatus.Server.Live;
using GitOpsStatus.Server.Metrics;
using GitOpsStatus.Server.OpenApi;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;
using GitOpsStatus.Server.Writing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Ingestion;

/// <summary><c>POST /api/status</c>: a checker's report in; 200 only once it is durably committed.</summary>
public static class IngestApi
{
    /// <summary>The report route; Program.cs puts it in the write group (write token, write rate limit).</summary>
    public static IEndpointRouteBuilder MapIngestion(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/status", Ingest)
            .WithName("PostStatus")
            .WithSummary("Store a drift report for one (repo, server) target")
            .WithDescription("Body: the report JSON (see the StatusReport schema), Content-Type: application/json.")
            .DocumentRequestBody<StatusReport, RouteHandlerBuilder>("application/json")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesValidationProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesValidationProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesValidationProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);
        return app;
    }

    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> Ingest(HttpContext context, ClaimsPrincipal user,
        GroupCommitWriter writer, ServerOptions options, TimeProvider clock, ServerMetrics metrics, IAuthorizationService authorization,
        ILogger<TransitionLog> log, ChangeFeed feed, CancellationToken cancellationToken)
    {
        var answer = await StoreAsync(context, user, writer, options, clock, authorization, log, cancellationToken);
        if (answer.Result is Ok<IngestResponse> stored)
        {
            metrics.CountOutcome(stored.Value!.Outcome);
            if (stored.Value.Outcome == "stored")
                feed.Signal(); // open dashboards reload now
        }
        else if (answer.Result is ProblemHttpResult { StatusCode: >= 500 })
            metrics.CountOutcome("failed");
        else if (answer.Result is ProblemHttpResult refused)
            metrics.CountRejection(refused.StatusCode);
        return answer;
    }

    /// <summary>The report's answer once durably committed, or the rejection (4xx) or failure (5xx) to send instead.</summary>
    private static async Task<Results<Ok<IngestResponse>, ProblemHttpResult>> StoreAsync(HttpContext context, ClaimsPrincipal user,
        GroupCommitWriter writer, ServerOptions options, TimeProvider clock, IAuthorizationService authorization, ILogger<TransitionLog> log,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!RequestBody.IsJson(request.ContentType))
            return Problem.Rejected(415, "Unsupported content type", "Content-Type",
                $"\"{request.ContentType}\" is not accepted; send the report as Content-Type: application/json (UTF-8)");
        if (request.ContentLength > options.MaxBodyBytes)
            return TooLarge(request.ContentLength.Value, options);

        byte[]? buffer;
        int length;
        try
        {
            // GITOPS_REQUEST_TIMEOUT cancels the read (the timeout middleware answers 503).
            (buffer, length) = await RequestBody.ReadAsync(request, options.MaxBodyBytes, cancellationToken);
        }
        catch (BadHttpRequestException e)
        {
            return Problem.Rejected(e.StatusCode, "Unreadable request body", "$", e.Message);
        }
        if (buffer is null)
            return TooLarge(length, options);

        StatusReport? report;
        ReportError? parseError;
        try
        {
            (report, parseError) = ReportParser.Parse(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (parseError is not null)
            return Problem.Rejected(400, "Malformed report", [parseError]);

        var now = clock.GetUtcNow();
        var errors = ReportValidator.Validate(report!, now);
        if (errors.Count > 0)
            return Problem.Rejected(422, "Invalid report", errors);
        var target = new ReportTarget(report!.Repo!, report.Server!);
        if (!(await authorization.AuthorizeAsync(user, target, AccessPolicies.Target)).Succeeded)
            return AccessPolicies.OutOfScope(user, target);

        try
        {
            var incoming = Prepare(report, now);
            // Not cancelled once submitted: the report is stored whether or not its client still waits.
            var result = await writer.SubmitAsync(incoming, CancellationToken.None);
            if (result.StatusChange is { } change)
                TransitionLog.StatusChanged(log, report.Repo!, report.Server!, change.From ?? "new target", report.SyncStatus!, report.DriftCount ?? 0,
                    report.Source ?? "no source given");
            return TypedResults.Ok(new IngestResponse(
                Name(result.Outcome), incoming.Report.Repo!, incoming.Report.Server!, Targets.Time.Iso(result.LatestLastCheck), result.EventRecorded));
        }
        catch (ShuttingDownException)
        {
            return Problem.Unavailable(context, 503, "Shutting down", "The server is stopping; send the report again.", 5);
        }
        catch (Exception e) when (StoreErrors.IsDiskFull(e))
        {
            return Problem.Unavailable(context, 507, "Storage full", "The server's disk is full; the report was not stored.", 60);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never acknowledged, so never lost: the checker retries (or spools) and a retry is idempotent.
            return Problem.Unavailable(context, 503, "Storage unavailable", $"The report was not stored: {StoreErrors.Describe(e)}", 5);
        }
    }

    private static ProblemHttpResult TooLarge(long length, ServerOptions options) =>
        Problem.Rejected(413, "Report too large", "$",
            $"the body is {length} bytes or more; at most {options.MaxBodyBytes} are accepted (GITOPS_MAX_BODY_BYTES); shorten the diffs");

    /// <summary>Stamps receive time, and computes off the writer thread what it needs to store and compare the report.</summary>
    internal static IncomingReport Prepare(StatusReport report, DateTimeOffset now)
    {
        var stamped = report with { LastCheck = report.LastCheck ?? now, DriftCount = report.DriftCount ?? 0 };
        var json = JsonSerializer.SerializeToUtf8Bytes(stamped, ReportJson.Default.StatusReport);
        var names = new string[stamped.Files?.Count ?? 0];
        for (var i = 0; i < names.Length; i++)
            names[i] = stamped.Files![i].Name!;
        return new IncomingReport(stamped, stamped.LastCheck!.Value, now, json,
            SHA256.HashData(json), string.Join(", ", names), names.Length == 0 ? NoDriftKey : DriftKey(names),
            names.Length == 0 ? NoContentKey : TargetRules.ContentKey(stamped.Files!.Select(f => (f.Name!, f.ActualSha256))),
            TargetRules.CauseOf(stamped.Files))
        { Names = names };
    }

    private static readonly string NoContentKey = TargetRules.ContentKey([]);

    // Most reports drift nothing: their key is always this one.
    private static readonly string NoDriftKey = DriftKey([]);

    /// <summary>The drifted file set's identity, whatever the order the checker listed it in.</summary>
    private static string DriftKey(string[] names) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', names.Order(StringComparer.Ordinal)))));

    private static string Name(IngestOutcome outcome) => outcome switch
    {
        IngestOutcome.Stored => "stored",
        IngestOutcome.Unchanged => "unchanged",
        _ => "superseded",
    };
}

/// <summary>What <c>POST /api/status</c> did: <c>stored</c>, <c>unchanged</c> (same report again) or <c>superseded</c> (a newer one is stored).
/// <c>last_check</c> is the target's latest stored check time (the newer one when superseded).</summary>
public sealed record IngestResponse(string Outcome, string Repo, string Server, string LastCheck, bool HistoryEvent);
