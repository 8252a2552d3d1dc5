using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Status;

/// <summary>A target's status as readers see it: the reported one, or STALE once reports stop.</summary>
public readonly record struct DerivedStatus(string Status, DateTimeOffset Since)
{
    public int Value => SyncStatus.Value(Status);

    /// <summary>
    /// STALE when the last check is older than 3 × the sender's <c>interval_seconds</c>, or than
    /// <c>GITOPS_STALE_AFTER</c> when it sent none. Computed at read time, never stored, so a
    /// silent server can never show a stale green.
    /// </summary>
    public static DerivedStatus Of(TargetRow row, DateTimeOffset now, ServerOptions options)
    {
        var limitMs = row.IntervalSeconds is { } interval
            ? interval * 1000 * ServerOptions.StaleIntervals
            : (long)options.StaleAfter.TotalMilliseconds;
        var staleAt = row.LastCheck + limitMs;
        return now.ToUnixTimeMilliseconds() > staleAt
            ? new DerivedStatus(SyncStatus.Stale, DateTimeOffset.FromUnixTimeMilliseconds(staleAt))
            : new DerivedStatus(row.SyncStatus, DateTimeOffset.FromUnixTimeMilliseconds(row.StatusSince));
    }
}
