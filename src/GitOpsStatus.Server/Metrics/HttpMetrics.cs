using System.Diagnostics.Metrics;
using GitOpsStatus.Server.Ingestion;

namespace GitOpsStatus.Server.Metrics;

/// <summary>
/// Feeds <see cref="ServerMetrics"/>' HTTP families from ASP.NET Core's own <c>http.server.request.duration</c>
/// measurement of every request: its route template (not the raw path: labels stay bounded), method and final
/// code. Each report's fate is counted by <see cref="IngestApi"/>.
/// </summary>
public sealed class HttpMetrics : IDisposable
{
    private static readonly HashSet<string> Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private readonly MeterListener _listener = new();

    public HttpMetrics(IMeterFactory meters, ServerMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // This app's meter only: test hosts in one process each have their own factory.
            if (instrument.Meter.Scope == meters && instrument is { Name: "http.server.request.duration", Meter.Name: "Microsoft.AspNetCore.Hosting" })
                listener.EnableMeasurementEvents(instrument, metrics);
        };
        _listener.SetMeasurementEventCallback<double>(static (_, seconds, tags, state) => Count((ServerMetrics)state!, seconds, tags));
        _listener.Start();
    }

    private static void Count(ServerMetrics metrics, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var (route, method, code) = ("unmatched", "other", 0);
        foreach (var tag in tags)
        {
            switch (tag.Key)
            {
                case "http.route" when tag.Value is string template:
                    route = template;
                    break;
                case "http.request.method" when tag.Value is string name && Methods.Contains(name):
                    method = name;
                    break;
                case "http.response.status_code" when tag.Value is int status:
                    code = status;
                    break;
            }
        }
        metrics.CountRequest(route, method, code, TimeSpan.FromSeconds(seconds));
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>Starts listening before the server takes its first request.</summary>
public static class HttpMetricsSetup
{
    public static IServiceCollection AddHttpMetrics(this IServiceCollection services) => services.AddSingleton<HttpMetrics>();

    public static IApplicationBuilder UseHttpMetrics(this IApplicationBuilder app)
    {
        app.ApplicationServices.GetRequiredService<HttpMetrics>();
        return app;
    }
}
