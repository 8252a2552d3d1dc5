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

    /// <summary>
    /// Why a differing file's contents must not be read for a diff although its name is not sensitive, or null when they
    /// may: a symlink (or a symlinked directory) under the mapped directory can lead anywhere on the target, /etc/shadow
    /// included, so the path it resolves to must stay inside the mapped directory and be no sensitive path itself.
    /// </summary>
    /// <param name="file">A differing file whose name is not sensitive.</param>
    /// <param name="resolved">The file's path with every symlink resolved on the target, or null when it could not be.</param>
    /// <param name="resolvedDir">The same for the file's mapped directory (<see cref="WantedFile.TargetDir"/>).</param>
    public static string? WithheldBecause(WantedFile file, string? resolved, string? resolvedDir) =>
        OutsideBecause(file, resolved, resolvedDir) ?? LeadsToSensitiveBecause(file, resolved!, resolvedDir!);

    /// <summary>Why a file must not be read or written through its path: it cannot be resolved, or resolves outside its mapped directory. Null when it stays inside.</summary>
    public static string? OutsideBecause(WantedFile file, string? resolved, string? resolvedDir)
    {
        if (resolved is null || resolvedDir is null)
            return $"the path of {file.TargetPath} could not be resolved on the target";
        return resolved.StartsWith(resolvedDir.TrimEnd('/') + "/", StringComparison.Ordinal)
            ? null
            : $"it is a symlink to {resolved}, outside the mapped directory {file.TargetDir}";
    }

    /// <summary>Why a file whose own name is not sensitive is treated as sensitive: it resolves (inside its mapped directory) to a path that is.</summary>
    public static string? LeadsToSensitiveBecause(WantedFile file, string resolved, string resolvedDir)
    {
        var inside = resolved[(resolvedDir.TrimEnd('/') + "/").Length..];
        return file.Mapping.Sensitive is null && Matchers.Any(m => m(inside))
            ? $"it is a symlink to {resolved}, which matches a sensitive pattern ({string.Join(", ", DefaultPatterns)})"
            : null;
    }

    // Checked for every file of a tree, twice: "*word*" and "*.ext" become Contains/EndsWith, cheaper than the general matcher.
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
