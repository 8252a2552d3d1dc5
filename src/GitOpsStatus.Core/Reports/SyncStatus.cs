namespace GitOpsStatus.Core.Reports;

/// <summary>The statuses a report carries, and STALE, which the server derives at read time.</summary>
public static class SyncStatus
{
    public const string Synced = "SYNCED";
    public const string OutOfSync = "OUT_OF_SYNC";
    public const string Unknown = "UNKNOWN";
    public const string Stale = "STALE";

    public static readonly IReadOnlyList<string> Reported = [Synced, OutOfSync, Unknown];
    public static readonly IReadOnlyList<string> All = [Synced, OutOfSync, Stale, Unknown];

    /// <summary>The numeric form for stat panels and metrics: 0 SYNCED, 1 OUT_OF_SYNC, 2 STALE, 3 UNKNOWN.</summary>
    public static int Value(string status) => status switch
    {
        Synced => 0,
        OutOfSync => 1,
        Stale => 2,
        Unknown => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "not a sync status"),
    };
}

/// <summary>How a drifted file differs.</summary>
public static class ChangeKind
{
    public const string Modified = "modified";
    public const string Missing = "missing";
    public const string Extra = "extra";
    public const string Mode = "mode";
    public const string Owner = "owner";

    public static readonly IReadOnlyList<string> All = [Modified, Missing, Extra, Mode, Owner];
}

/// <summary>How the sender watches for drift. <c>degraded</c>: realtime was asked for and is not fully working.</summary>
public static class DetectionMode
{
    public const string Realtime = "realtime";
    public const string Scheduled = "scheduled";
    public const string Degraded = "degraded";

    public static readonly IReadOnlyList<string> All = [Realtime, Scheduled, Degraded];
}

/// <summary>Why a drifted file differs from git.</summary>
public static class DriftCause
{
    /// <summary>The host has the file as another commit has it (a deploy that did not run, failed, or ran from another branch).</summary>
    public const string OtherRevision = "other_revision";

    /// <summary>No commit in the file's history has this content: a hand edit.</summary>
    public const string Edited = "edited";

    public static readonly IReadOnlyList<string> All = [OtherRevision, Edited];
}
