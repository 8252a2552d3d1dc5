using System.Text;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>
/// A <c>.dockerignore</c> read the way BuildKit reads it (moby/patternmatcher): each line cleaned like a path (no
/// leading or trailing '/'), '*' and '?' within one path segment, '**' across segments, '!' re-includes, the last
/// matching line wins, and a path is left out when it or any directory above it matches.
/// </summary>
public sealed class DockerIgnore(IReadOnlyList<(Regex Pattern, bool Exclude)> rules)
{
    public static DockerIgnore Load(string file) => new([.. File.ReadLines(file)
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.StartsWith('!') ? (Compile(l[1..]), false) : (Compile(l), true))]);

    /// <summary>Whether the build context holds <paramref name="path"/> (relative to the context's root, '/'-separated).</summary>
    public bool Sends(string path)
    {
        var segments = path.Split('/');
        for (var depth = 1; depth <= segments.Length; depth++)
        {
            var prefix = string.Join('/', segments[..depth]);
            var excluded = false;
            foreach (var (pattern, exclude) in rules)
            {
                if (pattern.IsMatch(prefix))
                    excluded = exclude;
            }
            if (excluded)
                return false;
        }
        return true;
    }

    private static Regex Compile(string line)
    {
        var pattern = (line.StartsWith("./", StringComparison.Ordinal) ? line[2..] : line).Trim('/');
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                {
                    i++;
                    regex.Append("(.*/)?");
                }
                else
                    regex.Append(".*");
            }
            else if (c == '*')
                regex.Append("[^/]*");
            else if (c == '?')
                regex.Append("[^/]");
            else
                regex.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
