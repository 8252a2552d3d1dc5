using System.IO.Enumeration;

namespace GitOpsStatus.Core.Drift;

/// <summary>Which files never have their contents leave the machine: only hashes are reported for them.</summary>
public static class Sensitivity
{
    /// <summary>Matched case-insensitively against the file's target path and its repo path.</summary>
    public static readonly IReadOnlyList<string> DefaultPatterns = ["*shadow*", "*.key", "*.pem", "*secret*"];

    /// <summary>An explicit <c>sensitive:</c> on the mapping wins; otherwise the default patterns decide.</summary>
    public static bool IsSensitive(FileMapping mapping, string name, string repoPath) =>
        mapping.Sensitive ?? Matchers.Any(m => m(name) || m(repoPath));

    // Checked for every file of a tree, twice: "*word*" and "*.ext" become Contains/EndsWith, several times cheaper than the general matcher.
    private static readonly Func<string, bool>[] Matchers = [.. DefaultPatterns.Select(Matcher)];

    private static Func<string, bool> Matcher(string pattern)
    {
        var literal = pattern.Trim('*');
        if (literal.AsSpan().IndexOfAny('*', '?') < 0 && !literal.Contains('\\', StringComparison.Ordinal))
        {
            if (pattern.Length == literal.Length + 2 && pattern[0] == '*' && pattern[^1] == '*')
                return s => s.Contains(literal, StringComparison.OrdinalIgnoreCase);
            if (pattern.Length == literal.Length + 1 && pattern[0] == '*')
                return s => s.EndsWith(literal, StringComparison.OrdinalIgnoreCase);
        }
        return s => FileSystemName.MatchesSimpleExpression(pattern, s, ignoreCase: true);
    }
}
