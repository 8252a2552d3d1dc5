using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift.Fix;

/// <summary>What <c>revert</c> or <c>adopt</c> does with one drifted file.</summary>
public enum FixAction
{
    /// <summary>revert: write the repo's content over the host's, after a backup.</summary>
    Restore,

    /// <summary>revert: write the repo's content where the host has no file.</summary>
    Recreate,

    /// <summary>revert: set the mode and owner the mapping wants (content already matches).</summary>
    SetMeta,

    /// <summary>adopt: write the host's content to the file's repo path.</summary>
    Adopt,

    /// <summary>Nothing: <see cref="FixStep.Why"/> says why.</summary>
    Skip,
}

/// <summary>One drifted file of a target and what is done with it.</summary>
/// <param name="File">The file as the check reports it.</param>
/// <param name="Action">What is done with it.</param>
/// <param name="Why">For <see cref="FixAction.Skip"/>: the reason, one sentence a person reads.</param>
public sealed record FixStep(DriftedFile File, FixAction Action, string? Why = null)
{
    /// <summary>revert: where the old file is copied first.</summary>
    public string? Backup { get; init; }

    /// <summary>revert: the write to make on the target; adopt: the host path to read (symlinks resolved).</summary>
    internal FileWrite? Write { get; init; }

    /// <summary>adopt: the file in the repo's working tree to write.</summary>
    internal string? RepoFile { get; init; }
}
