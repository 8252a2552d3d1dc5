using System.Buffers;
using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using Microsoft.Net.Http.Headers;

namespace GitOpsStatus.Server.Status;

/// <summary>
/// <c>GET /status.json</c> for Grafana's Infinity datasource: a flat array, one object per target,
/// every key always of one JSON type (absent text is <c>""</c>), times ISO 8601 UTC, sorted by repo
/// then server. A strong ETag over the body lets pollers get 304 while nothing changed.
/// </summary>
public static class StatusJsonApi
{
    public static IEndpointRouteBuilder MapStatusJson(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status.json", Get)
            .WithName("GetStatusJson")
            .WithSummary("Every target as a flat row, for Grafana Infinity")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> Get(HttpContext context, IStatusStore store, ServerOptions options, TimeProvider clock,
        string? repo, string? server, string? status)
    {
        var statuses = ParseStatuses(status);
        if (statuses is null)
            return Problem.Rejected(400, "Invalid filter", "status", $"\"{status}\" is not a status; expected SYNCED, OUT_OF_SYNC, STALE or UNKNOWN (comma-separated for several)");

        // Streamed from the database into pooled segments: memory stays near the body's own size at 100,000 targets.
        using var body = new SegmentedBuffer();
        Write(body, store.EachTarget(new TargetFilter(Empty(repo), Empty(server))), clock.GetUtcNow(), options, statuses);

        var etag = new EntityTagHeaderValue($"\"{Convert.ToBase64String(body.Hash()[..18]).Replace('+', '-').Replace('/', '_')}\"");
        var headers = context.Response.GetTypedHeaders();
        headers.ETag = etag;
        headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: true)))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        return Results.Empty;
    }

    internal static void Write(IBufferWriter<byte> output, IEnumerable<TargetRow> rows, DateTimeOffset now, ServerOptions options, HashSet<string> statuses)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        json.WriteStartArray();
        foreach (var row in rows)
        {
            var derived = DerivedStatus.Of(row, now, options);
            if (statuses.Count > 0 && !statuses.Contains(derived.Status))
                continue;
            json.WriteStartObject();
            json.WriteString("repo", row.Repo);
            json.WriteString("server", row.Server);
            json.WriteString("sync_status", derived.Status);
            json.WriteNumber("status_value", derived.Value);
            json.WriteNumber("drift_count", row.DriftCount);
            json.WriteString("files", row.Files);
            json.WriteString("last_check", Time.Iso(row.LastCheck));
            json.WriteString("received_at", Time.Iso(row.ReceivedAt));
            json.WriteString("status_since", Time.Iso(derived.Since));
            json.WriteString("last_synced_at", row.LastSyncedAt is { } synced ? Time.Iso(synced) : "");
            json.WriteString("revision", row.Revision ?? "");
            json.WriteString("source", row.Source ?? "");
            json.WriteString("error", row.Error ?? "");
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>"OUT_OF_SYNC,STALE" → the set; empty → no filter; null when a name is not a status.</summary>
    internal static HashSet<string>? ParseStatuses(string? text)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var upper = part.ToUpperInvariant();
            if (!SyncStatus.All.Contains(upper))
                return null;
            set.Add(upper);
        }
        return set;
    }

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
