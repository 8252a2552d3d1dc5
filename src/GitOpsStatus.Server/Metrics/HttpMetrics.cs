using System.Diagnostics;
using GitOpsStatus.Server.Ingestion;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Metrics;

/// <summary>Feeds <see cref="ServerMetrics"/>: every request (middleware) and every report's fate (endpoint filter).</summary>
public static class HttpMetrics
{
    private static readonly HashSet<string> Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    /// <summary>Counts and times every request by route template (not the raw path: labels stay bounded), method and final code.</summary>
    public static IApplicationBuilder UseHttpMetrics(this IApplicationBuilder app)
    {
        var metrics = app.ApplicationServices.GetRequiredService<ServerMetrics>();
        return app.Use(async (context, next) =>
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                var method = Methods.Contains(context.Request.Method) ? context.Request.Method : "other";
                metrics.CountRequest(route, method, context.Response.StatusCode, Stopwatch.GetElapsedTime(start));
            }
        });
    }

    /// <summary>Counts what became of each report: stored, unchanged, superseded, failed (5xx), or rejected by reason (4xx, tokens included).</summary>
    public static TBuilder CountReports<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var result = await next(context);
            var metrics = context.HttpContext.RequestServices.GetRequiredService<ServerMetrics>();
            switch (result)
            {
                case Ok<IngestResponse> ok:
                    metrics.CountOutcome(ok.Value!.Outcome);
                    break;
                case IStatusCodeHttpResult { StatusCode: >= 500 }:
                    metrics.CountOutcome("failed");
                    break;
                case IStatusCodeHttpResult { StatusCode: >= 400 and var code }:
                    metrics.CountRejection(code);
                    break;
            }
            return result;
        });
}
