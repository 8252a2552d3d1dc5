using System.Buffers;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Metrics;

/// <summary>
/// <c>GET /metrics</c>: Prometheus text exposition. Per-target families come from one read of the store at
/// scrape time (so all families describe the same snapshot), kept as a compact table and written family by
/// family; then totals per status, and the process's own counters.
/// </summary>
public static class MetricsApi
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", Write).WithName("GetMetrics").WithTags("Metrics")
            .WithSummary("Prometheus metrics: per-target sync status, drift count, last check, staleness, acknowledgement, flapping; totals; ingestion and HTTP counters")
            .WithDescription("Prometheus text exposition format 0.0.4. Per-target families carry repo and server labels; gitops_status_sync is 0 SYNCED, 1 OUT_OF_SYNC, 2 STALE, 3 UNKNOWN.")
            .Produces<string>(StatusCodes.Status200OK, ContentType);
        return app;
    }

    private static async Task Write(HttpContext context, IStatusStore store, ServerMetrics metrics, ServerOptions options, TimeProvider clock)
    {
        var cancellationToken = context.RequestAborted;
        context.Response.ContentType = ContentType;
        context.Response.Headers.CacheControl = "no-store";
        var output = new Exposition(context.Response.BodyWriter);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var totals = new long[SyncStatus.All.Count];

        // One read of the rows into a compact table (labels encoded once), then the per-target families written from it:
        // one pass over the database instead of one per family.
        var rows = new List<Row>();
        var labels = new ArrayBufferWriter<byte>(1 << 16);
        foreach (var gauge in store.EachGauge())
        {
            var stale = TargetRules.IsStale(now, gauge.LastCheck, gauge.IntervalSeconds, options.StaleAfter);
            var value = stale ? SyncStatus.Value(SyncStatus.Stale) : SyncStatus.Value(gauge.SyncStatus);
            totals[value]++;
            var offset = labels.WrittenCount;
            Exposition.Labels(labels, gauge.Repo, gauge.Server);
            rows.Add(new Row(offset, labels.WrittenCount - offset, (byte)value, gauge.DriftCount, gauge.LastCheck, stale,
                TargetRules.IsAcknowledged(gauge.AckUntil, now), gauge.Flapping));
        }

        var families = new (string Name, string Help)[]
        {
            ("gitops_status_sync", "Derived status of the target: 0 SYNCED, 1 OUT_OF_SYNC, 2 STALE, 3 UNKNOWN."),
            ("gitops_status_drift_files", "Number of files that differ from git in the target's latest report."),
            ("gitops_status_last_check_timestamp_seconds", "When the target's latest check ran, as a Unix timestamp."),
            ("gitops_status_stale", "1 when the target has not reported within its stale limit, else 0."),
            ("gitops_status_acknowledged", "1 while the target's drift is acknowledged (accepted until a date; it stays OUT_OF_SYNC), else 0."),
            ("gitops_status_flapping", "1 while the target's status keeps changing (more than GITOPS_FLAP_THRESHOLD changes within GITOPS_FLAP_WINDOW), else 0."),
        };
        for (var family = 0; family < families.Length; family++)
        {
            var (name, help) = families[family];
            output.Family(name, "gauge", help);
            var nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
            foreach (var row in rows)
            {
                var sample = output.Sample(nameBytes, labels.WrittenSpan.Slice(row.LabelsOffset, row.LabelsLength));
                _ = family switch
                {
                    0 => sample.Value(row.Status),
                    1 => sample.Value(row.DriftFiles),
                    2 => sample.Seconds(row.LastCheck),
                    3 => sample.Value(row.Stale ? 1 : 0),
                    4 => sample.Value(row.Acknowledged ? 1 : 0),
                    _ => sample.Value(row.Flapping ? 1 : 0),
                };
                await output.FlushIfFullAsync(cancellationToken);
            }
        }

        output.Family("gitops_status_targets", "gauge", "Targets per derived status.");
        foreach (var status in SyncStatus.All)
            output.Sample("gitops_status_targets", "status", status).Value(totals[SyncStatus.Value(status)]);
        WriteCounters(output, metrics);
        await context.Response.BodyWriter.FlushAsync(cancellationToken);
    }

    private static void WriteCounters(Exposition output, ServerMetrics metrics)
    {
        output.Family("gitops_status_reports_total", "counter", "Reports received by POST /api/status and accepted, by what storing them did (failed: the database refused the write).");
        foreach (var (outcome, count) in metrics.OutcomeCounts())
            output.Sample("gitops_status_reports_total", "outcome", outcome).Value(count);

        output.Family("gitops_status_reports_rejected_total", "counter", "Reports refused with a 4xx, by reason.");
        foreach (var (reason, count) in metrics.RejectionCounts())
            output.Sample("gitops_status_reports_rejected_total", "reason", reason).Value(count);

        var series = metrics.HttpSeriesSorted().ToList();
        output.Family("gitops_status_http_requests_total", "counter", "HTTP requests answered, by route, method and status code.");
        var snapshots = series.Select(s => (s.Key, Snapshot: s.Series.Snapshot())).ToList();
        foreach (var (key, snapshot) in snapshots)
            output.Sample("gitops_status_http_requests_total", "route", key.Route, "method", key.Method, "code", Code(key.Code)).Value(snapshot.Count);

        const string Duration = "gitops_status_http_request_duration_seconds";
        output.Family(Duration, "histogram", "Time to answer HTTP requests, by route, method and status code.");
        foreach (var (key, snapshot) in snapshots)
        {
            var code = Code(key.Code);
            for (var i = 0; i < ServerMetrics.DurationBuckets.Length; i++)
            {
                output.Ascii(Duration).Ascii("_bucket{route=\"").Ascii(key.Route).Ascii("\",method=\"").Ascii(key.Method).Ascii("\",code=\"").Ascii(code)
                    .Ascii("\",le=\"").Ascii(ServerMetrics.DurationBuckets[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Ascii("\"} ")
                    .Value(snapshot.Cumulative[i]);
            }
            output.Ascii(Duration).Ascii("_bucket{route=\"").Ascii(key.Route).Ascii("\",method=\"").Ascii(key.Method).Ascii("\",code=\"").Ascii(code)
                .Ascii("\",le=\"+Inf\"} ").Value(snapshot.Count);
            output.Sample(Duration + "_sum", "route", key.Route, "method", key.Method, "code", code).Value(snapshot.Sum);
            output.Sample(Duration + "_count", "route", key.Route, "method", key.Method, "code", code).Value(snapshot.Count);
        }
    }

    private readonly record struct Row(int LabelsOffset, int LabelsLength, byte Status, int DriftFiles, long LastCheck, bool Stale, bool Acknowledged, bool Flapping);

    private static string Code(int code) => code.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
