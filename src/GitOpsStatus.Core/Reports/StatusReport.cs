namespace GitOpsStatus.Core.Reports;

/// <summary>
/// One drift report for one (repo, server) target: the wire contract of <c>POST /api/status</c>.
/// The seed's payloads (repo, server, sync_status, drift_count, files[].name, last_check) are the
/// required core; every other field is optional so that other senders keep working.
/// </summary>
public sealed record StatusReport
{
    public string? Repo { get; init; }
    public string? Server { get; init; }

    /// <summary><c>SYNCED</c>, <c>OUT_OF_SYNC</c> or <c>UNKNOWN</c> (see <see cref="SyncStatus"/>).</summary>
    public string? SyncStatus { get; init; }

    public long? DriftCount { get; init; }
    public IReadOnlyList<DriftedFile>? Files { get; init; }

    /// <summary>When the check ran; ISO 8601 with an offset. The server stamps receive time when absent.</summary>
    public DateTimeOffset? LastCheck { get; init; }

    /// <summary>The git commit of the desired state.</summary>
    public string? Revision { get; init; }

    /// <summary><c>deploy</c>, <c>cron</c>, <c>manual</c> or free text.</summary>
    public string? Source { get; init; }

    /// <summary>The sender's cadence; the target is STALE after three intervals without a report.</summary>
    public long? IntervalSeconds { get; init; }

    public long? DurationMs { get; init; }

    /// <summary>Name and version of the program that produced the report.</summary>
    public string? Checker { get; init; }

    /// <summary>Why the check could not run; required with <c>UNKNOWN</c>.</summary>
    public string? Error { get; init; }

    /// <summary>How the sender watches for drift: <c>realtime</c>, <c>scheduled</c> or <c>degraded</c> (see <see cref="DetectionMode"/>).</summary>
    public string? Detection { get; init; }

    /// <summary>Why realtime detection is not fully working; shown only with <c>degraded</c>.</summary>
    public string? DetectionError { get; init; }
}

/// <summary>One file that differs between the repo and the server.</summary>
public sealed record DriftedFile
{
    public string? Name { get; init; }

    /// <summary><c>modified</c>, <c>missing</c>, <c>extra</c>, <c>mode</c> or <c>owner</c> (see <see cref="ChangeKind"/>).</summary>
    public string? Change { get; init; }

    /// <summary>The file's path in the git repo.</summary>
    public string? RepoPath { get; init; }

    public string? ExpectedSha256 { get; init; }
    public string? ActualSha256 { get; init; }

    /// <summary>Unified diff, truncated with a marker past the sender's size limit.</summary>
    public string? Diff { get; init; }

    /// <summary>True when either side is binary: no diff body is sent.</summary>
    public bool? Binary { get; init; }

    /// <summary>With <c>mode</c>: the mode git wants and the mode the server has, four octal digits (<c>0644</c>).</summary>
    public string? ExpectedMode { get; init; }

    public string? ActualMode { get; init; }

    /// <summary>With <c>owner</c>: the owner git wants (<c>user</c> or <c>user:group</c>) and the server's <c>user:group</c>.</summary>
    public string? ExpectedOwner { get; init; }

    public string? ActualOwner { get; init; }

    /// <summary>Why the file differs: <c>edited</c> or <c>other_revision</c> (see <see cref="DriftCause"/>).</summary>
    public string? Cause { get; init; }

    /// <summary>With <c>other_revision</c>: the git commit whose version of the file the host has.</summary>
    public string? MatchesRevision { get; init; }

    /// <summary>Who wrote the file, as the agent saw the write happen; absent rather than guessed.</summary>
    public FileChangedBy? ChangedBy { get; init; }
}

/// <summary>The process that wrote a drifted file, read from <c>/proc/[pid]</c> when the write was seen.</summary>
public sealed record FileChangedBy
{
    /// <summary>The name of the writing process's uid.</summary>
    public string? User { get; init; }

    public long? Uid { get; init; }

    /// <summary>From <c>/proc/[pid]/loginuid</c>: the person who logged in (and ran <c>sudo</c>), when set.</summary>
    public string? LoginUser { get; init; }

    /// <summary><c>/proc/[pid]/comm</c>.</summary>
    public string? Process { get; init; }

    public string? Exe { get; init; }

    public long? Pid { get; init; }

    /// <summary>Process names from the writer's parent up to the session, nearest first (<c>sudo</c>, <c>bash</c>, <c>sshd</c>).</summary>
    public IReadOnlyList<string>? Parents { get; init; }

    /// <summary>When the write was seen.</summary>
    public DateTimeOffset? At { get; init; }
}
