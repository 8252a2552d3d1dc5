using System.CommandLine;
using System.Globalization;
using GitOpsStatus.Core;

namespace GitOpsStatus.Cli;

/// <summary>A flag's value, else the environment variable its <see cref="EnvOption{T}"/> declares, else the default. Bad values are usage errors.</summary>
internal sealed class Settings(ParseResult parse, CliIo io)
{
    public string? String(EnvOption<string?> option) =>
        parse.GetValue(option) is { Length: > 0 } value ? value : io.Env(option.Env) is { Length: > 0 } fromEnv ? fromEnv : null;

    /// <summary>A repeatable option's values, else its environment variable as one value.</summary>
    public IReadOnlyList<string> Values(EnvOption<string[]> option) =>
        parse.GetValue(option) is { Length: > 0 } values ? values : io.Env(option.Env) is { Length: > 0 } fromEnv ? [fromEnv] : [];

    public bool Flag(EnvOption<bool> option) =>
        parse.GetValue(option) || io.Env(option.Env)?.ToLowerInvariant() is "1" or "true" or "yes";

    public int? Int(EnvOption<string?> option, int min, int max)
    {
        if (String(option) is not { } text)
            return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{Source(option)} is \"{text}\"; expected a whole number from {min} to {max}.");
    }

    public TimeSpan? Duration(EnvOption<string?> option)
    {
        if (String(option) is not { } text)
            return null;
        return Durations.TryParse(text, out var value)
            ? value
            : throw new UsageException($"{Source(option)} is \"{text}\"; expected {Durations.Expected}.");
    }

    /// <summary>Whether the command line names the option (its environment variable aside).</summary>
    public bool Given(Option option) => parse.GetResult(option) is { Implicit: false };

    private string Source<T>(EnvOption<T> option) => parse.GetResult(option) is not null ? option.Name : option.Env;
}
