using System.Globalization;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Core;

/// <summary>
/// Durations as people write them, the one parser for server settings, CLI flags and config files: a number of
/// seconds (<c>120</c>), units summed (<c>90s</c>, <c>10m</c>, <c>1h30m</c>, <c>2h</c>, <c>1d</c>, <c>250ms</c>), or a
/// TimeSpan (<c>00:10:00</c>, <c>1.02:00:00</c>). Never negative; callers bound the range they accept.
/// </summary>
public static partial class Durations
{
    /// <summary>What a message about a bad value says was expected.</summary>
    public const string Expected = "a duration like 90s, 10m, 1h30m, 2h, 1d or 00:10:00";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
            return false;
        if (text.Contains(':', StringComparison.Ordinal))
            return TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bare))
            return FromSeconds(bare, out value);
        var match = Units().Match(text);
        if (!match.Success)
            return false;
        var seconds = 0.0;
        for (var i = 0; i < match.Groups["number"].Captures.Count; i++)
        {
            var number = double.Parse(match.Groups["number"].Captures[i].Value, CultureInfo.InvariantCulture);
            seconds += number * match.Groups["unit"].Captures[i].Value switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => 86400,
            };
        }
        return FromSeconds(seconds, out value);
    }

    /// <summary>A duration as <see cref="TryParse"/> reads it back: whole units, largest first (<c>1h30m</c>, <c>2s</c>, <c>250ms</c>).</summary>
    public static string Format(TimeSpan value)
    {
        if (value < TimeSpan.FromSeconds(1))
            return string.Create(CultureInfo.InvariantCulture, $"{(long)value.TotalMilliseconds}ms");
        var seconds = (long)value.TotalSeconds;
        (long Count, string Unit)[] parts = [(seconds / 86400, "d"), (seconds / 3600 % 24, "h"), (seconds / 60 % 60, "m"), (seconds % 60, "s")];
        return string.Concat(parts.Where(p => p.Count > 0).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Count}{p.Unit}")));
    }

    /// <summary>Out of TimeSpan's range (<c>99999999999d</c>) is not a duration, rather than an overflow.</summary>
    private static bool FromSeconds(double seconds, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!double.IsFinite(seconds) || seconds >= TimeSpan.MaxValue.TotalSeconds)
            return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    [GeneratedRegex(@"^(?:(?<number>\d+(?:\.\d+)?)(?<unit>ms|s|m|h|d))+$")]
    private static partial Regex Units();
}
