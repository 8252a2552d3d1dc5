using GitOpsStatus.Server.Access;

namespace GitOpsStatus.Server.Tests;

/// <summary>What a write token's repo and server globs cover (names are validated, never empty, before a glob sees them).</summary>
public class GlobTests
{
    [Theory]
    [InlineData("*", "infra/rsyslog", true)]
    [InlineData("infra/*", "infra/rsyslog", true)]
    [InlineData("infra/*", "infra/team/rsyslog", true)]
    [InlineData("*/rsyslog", "infra/team/rsyslog", true)]
    [InlineData("infra/*", "infra", false)]
    [InlineData("infra/*", "infra/", true)]
    [InlineData("web-?", "web-1", true)]
    [InlineData("web-?", "web-12", false)]
    [InlineData("web-?", "web-", false)]
    [InlineData("web-*", "WEB-1", false)]
    [InlineData("Infra/*", "infra/rsyslog", false)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXcYb", false)]
    [InlineData("**", "x", true)]
    [InlineData("web-1", "web-1", true)]
    [InlineData("web-1", "web-10", false)]
    [InlineData("web\\1", "web1", false)]
    [InlineData("web\\*", "web\\x", true)]
    [InlineData("[ab]", "a", false)]
    [InlineData("[ab]", "[ab]", true)]
    public void A_glob_matches_star_as_any_run_and_question_mark_as_one_character_case_sensitively(string pattern, string text, bool matches)
    {
        Assert.Equal(matches, Glob.IsMatch(pattern, text));
    }
}
