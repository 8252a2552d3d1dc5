using System.Text.Json;
using System.Text.Json.Serialization;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Api;

/// <summary>A target as the API shows it: stored fields, the derived status, and links. <c>files</c> joins the
/// drifted file names with <c>", "</c> as in <c>/status.json</c>; the target's own route lists them exactly. <c>acknowledged</c>: its drift is
/// accepted until <c>ack_until</c> (it stays OUT_OF_SYNC), with <c>ack_reason</c> and <c>ack_by</c>; these three are null otherwise. <c>flapping</c>: its status keeps changing
/// (more than GITOPS_FLAP_THRESHOLD changes within GITOPS_FLAP_WINDOW); its notifications wait until it settles. <c>drift_age_seconds</c>: how long
/// its oldest drifted file has drifted (or, with no file named, how long it has been OUT_OF_SYNC), null unless OUT_OF_SYNC; <c>recurrences_30d</c>: in how
/// many reports of the last 30 days any of its files started drifting, up to <see cref="Targets.TargetRules.MaxRecurrences"/>.</summary>
public sealed record TargetItem(
    string Repo,
    string Server,
    string SyncStatus,
    int StatusValue,
    string StatusSince,
    string? LastSyncedAt,
    int DriftCount,
    string Files,
    string LastCheck,
    string ReceivedAt,
    string? Revision,
    string? Source,
    long? IntervalSeconds,
    string? Error,
    string? Detection,
    string? DetectionError,
    string? Cause,
    string Url,
    string HistoryUrl,
    bool Acknowledged,
    string? AckReason,
    string? AckBy,
    string? AckUntil,
    bool Flapping,
    long? DriftAgeSeconds,
    [property: JsonPropertyName("recurrences_30d")] int Recurrences30d);

/// <summary>One page of <c>GET /api/targets</c>; <c>next</c> is the URL of the next page, null on the last.</summary>
public sealed record TargetList(IAsyncEnumerable<TargetItem> Items, int Total, int Limit, int Offset, string? Next);

/// <summary><c>GET /api/targets/{server}/{repo}</c>: the target, its latest report as stored (every file with change kind, hashes and diff) and
/// each drifted file's drift age and recurrence.</summary>
public sealed record TargetDetailResponse(TargetItem Target, JsonElement Report, IReadOnlyList<DriftedFileItem> DriftedFiles);

/// <summary>A drifted file: when it started drifting this time (<c>first_seen</c>, kept while it stays drifted) and how many times it started
/// drifting in the last 30 days, this time included.</summary>
public sealed record DriftedFileItem(string Name, string FirstSeen, [property: JsonPropertyName("recurrences_30d")] int Recurrences30d);

/// <summary>One history event. <c>changes</c>: <c>first</c> or some of <c>status</c>, <c>files</c>, <c>revision</c>; or <c>acknowledged</c> /
/// <c>unacknowledged</c>, which carry <c>ack_by</c>, <c>ack_reason</c>, <c>ack_until</c> and, when it ended, <c>ack_end_reason</c>
/// (<c>expired</c>, <c>content</c>, <c>status</c>, <c>deleted</c> or <c>replaced</c>); these are null on other events.</summary>
public sealed record HistoryItem(
    long Id,
    string At,
    string ReceivedAt,
    IReadOnlyList<string> Changes,
    string? FromStatus,
    string ToStatus,
    int DriftCount,
    string Files,
    string? FromRevision,
    string? Revision,
    string? AckBy,
    string? AckReason,
    string? AckUntil,
    string? AckEndReason);

/// <summary>One page of history, newest first; <c>next</c> is the URL of the older page, null on the last.</summary>
public sealed record HistoryList(string Repo, string Server, IAsyncEnumerable<HistoryItem> Events, string? Next);

public sealed record CountsItem(int Total, int Synced, int OutOfSync, int Stale, int Unknown);

public sealed record RepoSummaryItem(string Repo, int Total, int Synced, int OutOfSync, int Stale, int Unknown);

/// <summary><c>GET /api/summary</c>: targets per derived status, overall and per repo.</summary>
public sealed record SummaryResponse(string At, CountsItem Overall, IReadOnlyList<RepoSummaryItem> Repos);

/// <summary>Storage rows to wire DTOs.</summary>
internal static class ApiMapping
{
    public static TargetItem ToItem(this TargetRow row, DateTimeOffset now, ServerOptions options)
    {
        var derived = row.Derived(now, options);
        var path = TargetsApi.TargetPath(row.Repo, row.Server);
        return new TargetItem(row.Repo, row.Server, derived.Status, derived.Value, Time.Iso(derived.Since),
            row.LastSyncedAt is { } synced ? Time.Iso(synced) : null, row.DriftCount,
            row.Files, Time.Iso(row.LastCheck), Time.Iso(row.ReceivedAt),
            row.Revision, row.Source, row.IntervalSeconds, row.Error, row.Detection, row.DetectionError, row.Cause, "/api/targets/" + path, "/api/history/" + path,
            row.Acknowledged(now), row.Ack?.Reason, row.Ack?.By, row.Ack is { } ack ? Time.Iso(ack.Until) : null, row.Flapping,
            row.DriftAgeSeconds(now), row.Recurrences(now));
    }

    public static DriftedFileItem ToItem(this FileDrift f, DateTimeOffset now) => new(f.Name, Time.Iso(f.FirstSeen), f.Recurrences(now));

    public static HistoryItem ToItem(this HistoryEvent e) => new(
        e.Id, Time.Iso(e.At), Time.Iso(e.ReceivedAt), e.Changes.Split(',', StringSplitOptions.RemoveEmptyEntries), e.FromStatus,
        e.ToStatus, e.DriftCount, e.Files, e.FromRevision, e.Revision, e.Ack?.By, e.Ack?.Reason, e.Ack is { } a ? Time.Iso(a.Until) : null, e.Ack?.EndReason);

    public static CountsItem ToItem(this StatusCounts c) => new(c.Total, c.Synced, c.OutOfSync, c.Stale, c.Unknown);

    public static RepoSummaryItem ToItem(this RepoCounts r) =>
        new(r.Repo, r.Counts.Total, r.Counts.Synced, r.Counts.OutOfSync, r.Counts.Stale, r.Counts.Unknown);
}
