using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Problems;

/// <summary>RFC 9457 problem details for rejections: <c>errors</c> maps each offending field to what is wrong with it.</summary>
internal static class Problem
{
    public static IResult Rejected(int status, string title, IEnumerable<ReportError> errors)
    {
        var byField = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        var detail = string.Join("; ", byField.Select(f => $"{f.Key}: {string.Join("; ", f.Value)}"));
        return Results.ValidationProblem(byField, detail, statusCode: status, title: title);
    }

    public static IResult Rejected(int status, string title, string field, string message) =>
        Rejected(status, title, [new ReportError(field, message)]);

    /// <summary>The server, not the request, is at fault: the client should retry later.</summary>
    public static IResult Unavailable(HttpContext context, int status, string title, string detail, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Problem(detail, statusCode: status, title: title);
    }
}
