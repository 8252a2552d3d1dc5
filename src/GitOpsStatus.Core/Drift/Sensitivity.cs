using System.IO.Enumeration;

namespace GitOpsStatus.Core.Drift;

/// <summary>Which files never have their contents leave the machine: only hashes are reported for them.</summary>
public static class Sensitivity
{
    /// <summary>Matched case-insensitively against the file's target path and its repo path.</summary>
    public static readonly IReadOnlyList<string> DefaultPatterns = ["*shadow*", "*.key", "*.pem", "*secret*"];

    /// <summary>An explicit <c>sensitive:</c> on the mapping wins; otherwise the default patterns decide.</summary>
    public static bool IsSensitive(FileMapping mapping, string name, string repoPath) =>
        mapping.Sensitive ?? DefaultPatterns.Any(p =>
            FileSystemName.MatchesSimpleExpression(p, name, ignoreCase: true) ||
            FileSystemName.MatchesSimpleExpression(p, repoPath, ignoreCase: true));
}
