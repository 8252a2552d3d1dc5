using System.Buffers.Text;
using System.IO.Hashing;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.OpenApi;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace GitOpsStatus.Server.Status;

/// <summary>
/// <c>GET /status.json</c> for Grafana's Infinity datasource: a flat array, one object per target,
/// every key always of one JSON type (absent text is <c>""</c>), times ISO 8601 UTC, sorted by repo
/// then server. A strong ETag over the stored data and the time lets pollers get 304 while nothing changed.
/// </summary>
public static class StatusJsonApi
{
    public static IEndpointRouteBuilder MapStatusJson(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status.json", Get)
            .WithName("GetStatusJson")
            .WithSummary("Every target as a flat row, for Grafana Infinity")
            .WithDescription("One object per target, sorted by repo then server; every key always present with one JSON type (absent text is \"\"). "
                + "Filters: repo, server (exact), status (comma list, derived now). Send If-None-Match with the last ETag to get 304 while nothing changed.")
            .Produces<IReadOnlyList<StatusJsonRow>>(StatusCodes.Status200OK, "application/json")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem()
            .DocumentHeader(StatusCodes.Status200OK, "ETag", "A strong tag over the body; send it back in If-None-Match.")
            .DocumentHeader(StatusCodes.Status304NotModified, "ETag", "The tag the client sent, still current.");
        return app;
    }

    private static async Task<Results<ProblemHttpResult, StatusCodeHttpResult, EmptyHttpResult>> Get(HttpContext context, IStatusStore store, ServerOptions options, TimeProvider clock,
        string? repo, string? server, string? status)
    {
        var statuses = ParseStatuses(status);
        if (statuses is null)
            return Problem.Rejected(400, "Invalid filter", "status", $"\"{status}\" is not a status; expected SYNCED, OUT_OF_SYNC, STALE or UNKNOWN (comma-separated for several)");

        var now = clock.GetUtcNow();
        var filter = new TargetFilter(Empty(repo), Empty(server));
        // The tag names the stored data, how many targets are STALE now and this query, not the body's bytes: so the
        // body streams as it is read (bounded memory whatever the rows hold) and a 304 reads no row's text. Drift ages and
        // recurrences are counted at the minute's start, and that minute is in the tag while any show: the body and its tag
        // change once a minute then, not every second.
        var listing = await store.ReadListingTagAsync(now, context.RequestAborted);
        var minute = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 60_000 * 60_000);
        var etag = Tag(listing.Drifting ? $"{listing.Value}\n{minute.ToUnixTimeMilliseconds()}" : listing.Value, filter, statuses);
        var headers = context.Response.GetTypedHeaders();
        headers.ETag = etag;
        headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        var ifNoneMatch = context.Request.GetTypedHeaders().IfNoneMatch;
        if (ifNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: true)))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        context.Response.ContentType = "application/json; charset=utf-8";
        await WriteAsync(context.Response.BodyWriter, store.EachTarget(filter), now, minute, options, statuses, context.RequestAborted);
        return TypedResults.Empty;
    }

    private static EntityTagHeaderValue Tag(string listing, TargetFilter filter, HashSet<string> statuses)
    {
        var key = $"{listing}\n{filter.Repo}\n{filter.Server}\n{string.Join(',', statuses.Order(StringComparer.Ordinal))}";
        return new EntityTagHeaderValue($"\"{Base64Url.EncodeToString(XxHash128.Hash(Encoding.UTF8.GetBytes(key)))}\"");
    }

    /// <summary>Writes the rows as they are read, handing the pipe every <see cref="FlushAt"/> bytes (it waits while the client is slow).</summary>
    internal static async Task WriteAsync(PipeWriter output, IEnumerable<TargetRow> rows, DateTimeOffset now, DateTimeOffset minute, ServerOptions options,
        HashSet<string> statuses, CancellationToken cancellationToken)
    {
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        json.WriteStartArray();
        foreach (var row in rows)
        {
            var derived = row.Derived(now, options);
            if (statuses.Count > 0 && !statuses.Contains(derived.Status))
                continue;
            json.WriteStartObject();
            json.WriteString(Names.Repo, row.Repo);
            json.WriteString(Names.Server, row.Server);
            json.WriteString(Names.SyncStatus, derived.Status);
            json.WriteNumber(Names.StatusValue, derived.Value);
            json.WriteNumber(Names.DriftCount, row.DriftCount);
            json.WriteString(Names.Files, row.Files);
            WriteTime(json, Names.LastCheck, row.LastCheck);
            WriteTime(json, Names.ReceivedAt, row.ReceivedAt);
            WriteTime(json, Names.StatusSince, derived.Since);
            if (row.LastSyncedAt is { } synced)
                WriteTime(json, Names.LastSyncedAt, synced);
            else
                json.WriteString(Names.LastSyncedAt, ""u8);
            json.WriteString(Names.Revision, row.Revision ?? "");
            json.WriteString(Names.Source, row.Source ?? "");
            json.WriteString(Names.Error, row.Error ?? "");
            if (row.Ack is { } ack)
            {
                json.WriteBoolean(Names.Acknowledged, row.Acknowledged(now));
                json.WriteString(Names.AckReason, ack.Reason);
                json.WriteString(Names.AckBy, ack.By);
                WriteTime(json, Names.AckUntil, ack.Until);
            }
            else
            {
                json.WriteBoolean(Names.Acknowledged, false);
                json.WriteString(Names.AckReason, ""u8);
                json.WriteString(Names.AckBy, ""u8);
                json.WriteString(Names.AckUntil, ""u8);
            }
            json.WriteString(Names.Detection, row.Detection ?? "");
            json.WriteString(Names.Cause, row.Cause ?? "");
            json.WriteBoolean(Names.Flapping, row.Flapping);
            if (row.DriftAgeSeconds(minute) is { } age)
                json.WriteNumber(Names.DriftAgeSeconds, age);
            else
                json.WriteNull(Names.DriftAgeSeconds);
            json.WriteNumber(Names.Recurrences30d, row.Recurrences(minute));
            json.WriteEndObject();
            // The writer hands the pipe each full buffer of its own (BytesPending stays a few KiB), so what waits unsent is both.
            if (json.BytesPending + output.UnflushedBytes >= FlushAt)
            {
                json.Flush();
                await output.FlushAsync(cancellationToken);
            }
        }
        json.WriteEndArray();
        json.Flush();
    }

    private const int FlushAt = 32 * 1024;

    private static void WriteTime(Utf8JsonWriter json, JsonEncodedText name, long unixMilliseconds) =>
        WriteTime(json, name, DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));

    /// <summary>Written as a raw value, quotes included: an ISO time never needs escaping, so the writer need not scan it.</summary>
    private static void WriteTime(Utf8JsonWriter json, JsonEncodedText name, DateTimeOffset time)
    {
        Span<byte> quoted = stackalloc byte[Time.IsoLength + 2];
        quoted[0] = quoted[^1] = (byte)'"';
        Time.WriteIso(time, quoted[1..^1]);
        json.WritePropertyName(name);
        json.WriteRawValue(quoted, skipInputValidation: true);
    }

    /// <summary>The keys, encoded once rather than escaped again for every target.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Repo = JsonEncodedText.Encode("repo");
        public static readonly JsonEncodedText Server = JsonEncodedText.Encode("server");
        public static readonly JsonEncodedText SyncStatus = JsonEncodedText.Encode("sync_status");
        public static readonly JsonEncodedText StatusValue = JsonEncodedText.Encode("status_value");
        public static readonly JsonEncodedText DriftCount = JsonEncodedText.Encode("drift_count");
        public static readonly JsonEncodedText Files = JsonEncodedText.Encode("files");
        public static readonly JsonEncodedText LastCheck = JsonEncodedText.Encode("last_check");
        public static readonly JsonEncodedText ReceivedAt = JsonEncodedText.Encode("received_at");
        public static readonly JsonEncodedText StatusSince = JsonEncodedText.Encode("status_since");
        public static readonly JsonEncodedText LastSyncedAt = JsonEncodedText.Encode("last_synced_at");
        public static readonly JsonEncodedText Revision = JsonEncodedText.Encode("revision");
        public static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
        public static readonly JsonEncodedText Error = JsonEncodedText.Encode("error");
        public static readonly JsonEncodedText Acknowledged = JsonEncodedText.Encode("acknowledged");
        public static readonly JsonEncodedText AckReason = JsonEncodedText.Encode("ack_reason");
        public static readonly JsonEncodedText AckBy = JsonEncodedText.Encode("ack_by");
        public static readonly JsonEncodedText AckUntil = JsonEncodedText.Encode("ack_until");
        public static readonly JsonEncodedText Detection = JsonEncodedText.Encode("detection");
        public static readonly JsonEncodedText Cause = JsonEncodedText.Encode("cause");
        public static readonly JsonEncodedText Flapping = JsonEncodedText.Encode("flapping");
        public static readonly JsonEncodedText DriftAgeSeconds = JsonEncodedText.Encode("drift_age_seconds");
        public static readonly JsonEncodedText Recurrences30d = JsonEncodedText.Encode("recurrences_30d");
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
