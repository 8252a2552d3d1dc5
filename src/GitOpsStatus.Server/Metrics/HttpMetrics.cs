using System.Diagnostics;
using GitOpsStatus.Server.Ingestion;

namespace GitOpsStatus.Server.Metrics;

/// <summary>Feeds <see cref="ServerMetrics"/> with every request (each report's fate is counted by <see cref="IngestApi"/>).</summary>
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
}
