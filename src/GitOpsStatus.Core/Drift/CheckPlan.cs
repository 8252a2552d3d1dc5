namespace GitOpsStatus.Core.Drift;

/// <summary>What to check: the desired files of one repo against one or more targets.</summary>
public sealed record CheckPlan
{
    public required string Repo { get; init; }

    /// <summary>The directory mapping sources are relative to: the repo checkout, or <c>--desired</c>.</summary>
    public required string DesiredRoot { get; init; }

    /// <summary>The status server, when the config names one.</summary>
    public string? Url { get; init; }

    public long? IntervalSeconds { get; init; }
    public int? MaxDiffBytes { get; init; }

    /// <summary><c>realtime: true</c>: <c>gitops-status watch</c> also watches local targets' files (as <c>--realtime</c>).</summary>
    public bool Realtime { get; init; }
    public required IReadOnlyList<TargetSpec> Targets { get; init; }
}

/// <summary>One server to compare, where its files are, and which files to compare.</summary>
public sealed record TargetSpec(string Server, ActualLocation Location, IReadOnlyList<FileMapping> Files);

/// <summary>Where a target's actual files live.</summary>
public abstract record ActualLocation
{
    /// <summary>The directory every mapping's <c>dest</c> is under (<c>/</c> for a whole host).</summary>
    public abstract string Root { get; }
}

/// <summary>A directory on this machine, e.g. <c>/</c> or a mounted image.</summary>
public sealed record LocalLocation(string Path) : ActualLocation
{
    public override string Root => Path;
}

/// <summary>A host reached with OpenSSH; <paramref name="RemoteRoot"/> is an absolute path on it.</summary>
public sealed record SshLocation(SshEndpoint Endpoint, string RemoteRoot, string? KeyFile, string? KnownHostsFile) : ActualLocation
{
    public override string Root => RemoteRoot;
}

/// <summary>
/// A file or directory of the repo (<see cref="Src"/>) and where it belongs on the target (<see cref="Dest"/>).
/// Globs apply to paths relative to the mapped directory, on both sides.
/// </summary>
public sealed record FileMapping
{
    /// <summary>Relative to <see cref="CheckPlan.DesiredRoot"/>; empty means the root itself.</summary>
    public required string Src { get; init; }

    /// <summary>Path on the target under its root; empty means the root itself.</summary>
    public required string Dest { get; init; }

    public IReadOnlyList<string> Include { get; init; } = [];
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Report files on the target that the repo does not have.</summary>
    public bool Extra { get; init; }

    /// <summary>True: hashes only, never a diff. Null: decided by <see cref="Sensitivity.DefaultPatterns"/>.</summary>
    public bool? Sensitive { get; init; }

    /// <summary>Expected permission bits in octal without leading zeros (e.g. <c>644</c>), or null to ignore.</summary>
    public string? Mode { get; init; }

    /// <summary>Expected <c>user</c> or <c>user:group</c>, or null to ignore.</summary>
    public string? Owner { get; init; }

    public bool ComparesMeta => Mode is not null || Owner is not null;
}
