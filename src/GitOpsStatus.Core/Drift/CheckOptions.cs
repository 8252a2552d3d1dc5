namespace GitOpsStatus.Core.Drift;

/// <summary>How a check runs; the defaults are what the CLI uses when no flag or setting says otherwise.</summary>
public sealed record CheckOptions
{
    public const int DefaultMaxDiffBytes = 64 * 1024;

    /// <summary>Targets checked at the same time.</summary>
    public int Parallel { get; init; } = 8;

    /// <summary>A diff longer than this (UTF-8 bytes) is cut at a line boundary and ends with a marker.</summary>
    public int MaxDiffBytes { get; init; } = DefaultMaxDiffBytes;

    /// <summary>Accept (and record) the key of a host not yet in known_hosts; a changed key is refused regardless.</summary>
    public bool AcceptNewHostKeys { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an SSH host may send nothing, mid-check, before its target is UNKNOWN (the connection is ended).</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Overrides the revision read from the desired repo's git HEAD.</summary>
    public string? Revision { get; init; }

    public string? Source { get; init; }
    public long? IntervalSeconds { get; init; }

    /// <summary>The <c>ssh</c> program to run (a path or a name on PATH).</summary>
    public string SshProgram { get; init; } = "ssh";
}
