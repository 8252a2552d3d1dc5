using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Targets;

/// <summary>A target's status as readers see it: the reported one, or STALE once reports stop (<see cref="TargetRules.Derive"/>).</summary>
public readonly record struct DerivedStatus(string Status, DateTimeOffset Since)
{
    public int Value => SyncStatus.Value(Status);
}
