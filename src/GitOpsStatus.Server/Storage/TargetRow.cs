using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Storage;

/// <summary>A target's latest state as stored (times in Unix milliseconds); STALE is derived from it at read time. <c>Flapping</c>: it changed
/// status more than <c>GITOPS_FLAP_THRESHOLD</c> times within <c>GITOPS_FLAP_WINDOW</c> and has not settled since (<see cref="TargetRules.Notice"/>).
/// <c>DriftSince</c>: when its oldest drifted file started drifting; <c>DriftStarts</c>: when any of its files started drifting, the last 30 days (<see cref="TargetRules.NextDrift"/>).</summary>
public sealed record TargetRow(
    string Repo,
    string Server,
    string SyncStatus,
    int DriftCount,
    string Files,
    long LastCheck,
    long ReceivedAt,
    long StatusSince,
    long? LastSyncedAt,
    string? Revision,
    string? Source,
    long? IntervalSeconds,
    string? Error,
    AckInfo? Ack = null,
    string? Detection = null,
    string? DetectionError = null,
    string? Cause = null,
    bool Flapping = false,
    long? DriftSince = null,
    long[]? DriftStarts = null)
{
    /// <summary>Its drift age at <paramref name="now"/> in seconds, null unless OUT_OF_SYNC (<see cref="TargetRules.DriftAgeSeconds"/>).</summary>
    public long? DriftAgeSeconds(DateTimeOffset now) => TargetRules.DriftAgeSeconds(SyncStatus, DriftSince, StatusSince, now.ToUnixTimeMilliseconds());

    /// <summary>How many times its files started drifting (reports in which any did) within 30 days before <paramref name="now"/>.</summary>
    public int Recurrences(DateTimeOffset now) => TargetRules.Recurrences(DriftStarts, now.ToUnixTimeMilliseconds());

    /// <summary>Whether the target is acknowledged at <paramref name="now"/> (<see cref="TargetRules.IsAcknowledged"/>).</summary>
    public bool Acknowledged(DateTimeOffset now) => TargetRules.IsAcknowledged(Ack?.Until, now.ToUnixTimeMilliseconds());

    /// <summary>The status readers see at <paramref name="now"/> (<see cref="TargetRules.Derive"/>).</summary>
    public DerivedStatus Derived(DateTimeOffset now, ServerOptions options) =>
        TargetRules.Derive(SyncStatus, LastCheck, StatusSince, IntervalSeconds, now, options.StaleAfter);
}

/// <summary>A target's current acknowledgement as its row holds it: why, by whom, until when (Unix ms).</summary>
public sealed record AckInfo(string Reason, string By, long Until);

/// <summary>Exact-match filters for listing targets; null means any.</summary>
public sealed record TargetFilter(string? Repo = null, string? Server = null);
