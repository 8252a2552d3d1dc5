using GitOpsStatus.Server.Settings;
using Microsoft.Extensions.Configuration;

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
    [InlineData("GITOPS_FLAP_THRESHOLD", "-1", "Setting GITOPS_FLAP_THRESHOLD=\"-1\" is not valid; expected a whole number of at least 0")]
    [InlineData("GITOPS_FLAP_WINDOW", "0s", "Setting GITOPS_FLAP_WINDOW=\"0s\" is not valid; expected a duration")]
    [InlineData("GITOPS_NOTIFY_AFTER", "2d", "Setting GITOPS_NOTIFY_AFTER=\"2d\" is not valid; expected 0 or a duration like 90s, 10m, 1h30m, 2h, 1d or 00:10:00, at most 1d")]
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

    [Theory]
    [InlineData("1h30m", 5400)]
    [InlineData("00:10:00", 600)]
    [InlineData("90s", 90)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("45", 45)]
    public void A_duration_setting_takes_every_form_the_checker_takes(string value, double seconds)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GITOPS_REQUEST_TIMEOUT"] = value,
            ["GITOPS_STALE_AFTER"] = value,
        }).Build();

        var options = ServerOptions.From(config);

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(seconds), options.StaleAfter);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    [InlineData("1m", 60)]
    [InlineData("1d", 86400)]
    public void Notify_after_takes_zero_for_at_once_and_any_duration_up_to_a_day(string value, double seconds)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["GITOPS_NOTIFY_AFTER"] = value }).Build();

        var options = ServerOptions.From(config);

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.NotifyAfter);
        Assert.Equal((6, TimeSpan.FromMinutes(30)), (options.FlapThreshold, options.FlapWindow));
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("00:00:00")]
    [InlineData("1h30")]
    public void A_duration_setting_of_zero_or_no_duration_names_the_setting_and_quotes_the_value(string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["GITOPS_SWEEP_INTERVAL"] = value }).Build();

        var error = Assert.Throws<SettingException>(() => ServerOptions.From(config));

        Assert.Equal($"Setting GITOPS_SWEEP_INTERVAL=\"{value}\" is not valid; expected a duration like 90s, 10m, 1h30m, 2h, 1d or 00:10:00 above zero.", error.Message);
    }
}
