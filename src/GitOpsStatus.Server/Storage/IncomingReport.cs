using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// A validated report on its way to the store, with what the writer needs precomputed on the
/// request thread (so the single writer does only database work). <c>CanonicalJson</c> is the stored report, in UTF-8;
/// <c>ContentKey</c> the drifted content an acknowledgement is bound to (<see cref="Targets.TargetRules.ContentKey"/>).
/// </summary>
public sealed record IncomingReport(
    StatusReport Report,
    DateTimeOffset LastCheck,
    DateTimeOffset ReceivedAt,
    byte[] CanonicalJson,
    byte[] Hash,
    string FilesJoined,
    string DriftKey,
    string ContentKey,
    string? Cause = null)
{
    /// <summary>The drifted files' names, in the report's order.</summary>
    public string[] Names { get; init; } = [];

    /// <summary>The detection error as stored: kept only with <c>degraded</c>, the one mode it explains.</summary>
    public string? DetectionError => Report.Detection == DetectionMode.Degraded ? Report.DetectionError : null;
}

/// <summary>What storing a report did.</summary>
public enum IngestOutcome
{
    /// <summary>The report is now the target's latest.</summary>
    Stored,

    /// <summary>The same report was already stored: nothing changed.</summary>
    Unchanged,

    /// <summary>A newer report is stored; this older one was not applied.</summary>
    Superseded,
}

/// <summary>What storing a report did. <c>StatusChange</c>: set when a stored report was its target's first or changed its status
/// (<see cref="Targets.TargetRules.IsStatusChange"/>), holding the status before (null for a new target).</summary>
public sealed record IngestResult(IngestOutcome Outcome, bool EventRecorded, DateTimeOffset LatestLastCheck, StatusChange? StatusChange = null);

/// <summary>A report's change of its target's status, from <c>From</c> (null for a new target) to the report's.</summary>
public sealed record StatusChange(string? From);
