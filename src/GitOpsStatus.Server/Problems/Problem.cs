using System.Globalization;
using GitOpsStatus.Core.Reports;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Problems;

/// <summary>
/// The one way this server builds an RFC 9457 problem: a rejection's <c>errors</c> maps each offending field
/// to what is wrong with it; a failure says what to do and, when a retry can help, when (<c>Retry-After</c>).
/// </summary>
internal static class Problem
{
    /// <summary>The framework's problem details service, which the exception handler, the status-code pages and the
    /// typed results write through; an unexpected exception is answered as a failure to retry.</summary>
    public static IServiceCollection AddProblems(this IServiceCollection services) => services.AddProblemDetails(problems =>
        problems.CustomizeProblemDetails = context =>
        {
            if (context.Exception is null)
                return;
            context.ProblemDetails.Title = "Unexpected error";
            context.ProblemDetails.Detail = "The server failed to answer; nothing was acknowledged, send the request again.";
        });

    public static ProblemHttpResult Rejected(int status, string title, IEnumerable<ReportError> errors)
    {
        var byField = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        return TypedResults.Problem(new HttpValidationProblemDetails(byField)
        {
            Status = status,
            Title = title,
            Detail = string.Join("; ", byField.Select(f => $"{f.Key}: {string.Join("; ", f.Value)}")),
        });
    }

    public static ProblemHttpResult Rejected(int status, string title, string field, string message) =>
        Rejected(status, title, [new ReportError(field, message)]);

    /// <summary>The server, not the request, is at fault.</summary>
    public static ProblemHttpResult Failed(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    /// <summary>The server, not the request, is at fault: the client should retry after <paramref name="retryAfterSeconds"/>.</summary>
    public static ProblemHttpResult Unavailable(HttpContext context, int status, string title, string detail, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Failed(status, title, detail);
    }
}
