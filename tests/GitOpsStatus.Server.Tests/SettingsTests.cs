namespace GitOpsStatus.Server.Tests;

/// <summary>A bad setting stops the real server process at start-up with one sentence, not a stack trace.</summary>
public class SettingsTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-settings-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dataDir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData("GITOPS_REQUEST_TIMEOUT", "abc", "Setting GITOPS_REQUEST_TIMEOUT=\"abc\" is not valid; expected a duration")]
    [InlineData("GITOPS_MAX_BODY_BYTES", "-1", "Setting GITOPS_MAX_BODY_BYTES=\"-1\" is not valid; expected a positive number of bytes")]
    [InlineData("GITOPS_HISTORY_DAYS", "0", "Setting GITOPS_HISTORY_DAYS=\"0\" is not valid; expected a whole number")]
    [InlineData("GITOPS_WRITE_TOKENS", "secret:", "Setting GITOPS_WRITE_TOKENS has an entry with an empty token, repo glob or server glob")]
    [InlineData("GITOPS_DATABASE", "postgres://db/status?sslmode=bogus", "Setting GITOPS_DATABASE is not valid: its parameter \"sslmode=bogus\" is not understood")]
    public async Task A_bad_setting_stops_the_server_with_one_sentence_naming_it_and_exit_code_1(string setting, string value, string sentence)
    {
        var (exitCode, output) = await ServerProcess.RunToExitAsync(_dataDir, new Dictionary<string, string> { [setting] = value });

        Assert.Equal(1, exitCode);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith(sentence, line, StringComparison.Ordinal);
        Assert.EndsWith(".", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", output, StringComparison.Ordinal);
    }
}
