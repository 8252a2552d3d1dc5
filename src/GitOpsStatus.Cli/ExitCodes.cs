namespace GitOpsStatus.Cli;

/// <summary>The process exit codes, as documented in <c>--help</c> and the README.</summary>
public static class ExitCodes
{
    /// <summary>Checked and delivered (whatever the drift), or checked with --no-send.</summary>
    public const int Ok = 0;

    /// <summary>Bad config, a target UNKNOWN, a report refused, or delivery failed and the report was spooled.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>With --fail-on-drift: at least one target is OUT_OF_SYNC (and nothing failed).</summary>
    public const int Drift = 3;

    public const string Help = "Exit codes: 0 checked and delivered (whatever the drift); 1 failure (bad config, a target UNKNOWN, " +
        "a report refused, or delivery failed and the report was spooled); 2 usage error; 3 drift found, with --fail-on-drift.";
}

/// <summary>A command-line mistake: exit code 2 and this one sentence.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }
    public UsageException(string message, Exception inner) : base(message, inner) { }
    public UsageException() { }
}
