using System.IO.Enumeration;

namespace GitOpsStatus.Server.Access;

/// <summary>
/// Token scope globs: <c>*</c> any run of characters (<c>/</c> included), <c>?</c> one character, case-sensitive. The
/// framework's simple-expression matcher, with <c>\</c> doubled so it stays a literal character rather than its escape.
/// </summary>
public static class Glob
{
    public static bool IsMatch(string pattern, string text) =>
        FileSystemName.MatchesSimpleExpression(pattern.Replace("\\", "\\\\", StringComparison.Ordinal), text, ignoreCase: false);
}
