using System.Globalization;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Core.Drift.Config;

/// <summary>Durations as people write them: <c>120</c> (seconds), <c>90s</c>, <c>2m</c>, <c>1h30m</c>, <c>250ms</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            value = TimeSpan.FromSeconds(seconds);
            return true;
        }
        var match = Pattern().Match(text);
        if (!match.Success || text.Length == 0)
            return false;
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitStart = part.Value.IndexOfAny(['m', 's', 'h', 'd']);
            var number = double.Parse(part.Value[..unitStart], CultureInfo.InvariantCulture);
            value += part.Value[unitStart..] switch
            {
                "ms" => TimeSpan.FromMilliseconds(number),
                "s" => TimeSpan.FromSeconds(number),
                "m" => TimeSpan.FromMinutes(number),
                "h" => TimeSpan.FromHours(number),
                _ => TimeSpan.FromDays(number),
            };
        }
        return true;
    }

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|s|m|h|d))+$")]
    private static partial Regex Pattern();
}
