using System.CommandLine;
using System.Globalization;
using GitOpsStatus.Core;

namespace GitOpsStatus.Cli;

/// <summary>A flag's value, else its environment variable (<c>GITOPS_*</c>), else the default. Bad values are usage errors.</summary>
internal sealed class Settings(ParseResult parse, CliIo io)
{
    public string? String(Option<string?> option, string env) =>
        parse.GetValue(option) is { Length: > 0 } value ? value : io.Env(env) is { Length: > 0 } fromEnv ? fromEnv : null;

    /// <summary>A repeatable option's values, else its environment variable as one value.</summary>
    public IReadOnlyList<string> Values(Option<string[]> option, string env) =>
        parse.GetValue(option) is { Length: > 0 } values ? values : io.Env(env) is { Length: > 0 } fromEnv ? [fromEnv] : [];

    public bool Flag(Option<bool> option, string env) =>
        parse.GetValue(option) || io.Env(env)?.ToLowerInvariant() is "1" or "true" or "yes";

    public int? Int(Option<string?> option, string env, int min, int max)
    {
        if (String(option, env) is not { } text)
            return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{Source(option, env)} is \"{text}\"; expected a whole number from {min} to {max}.");
    }

    public TimeSpan? Duration(Option<string?> option, string env)
    {
        if (String(option, env) is not { } text)
            return null;
        return Durations.TryParse(text, out var value)
            ? value
            : throw new UsageException($"{Source(option, env)} is \"{text}\"; expected {Durations.Expected}.");
    }

    /// <summary>Whether the command line names the option (its environment variable aside).</summary>
    public bool Given(Option option) => parse.GetResult(option) is { Implicit: false };

    private string Source(Option option, string env) => parse.GetResult(option) is not null ? option.Name : env;
}
