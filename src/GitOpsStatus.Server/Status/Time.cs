using System.Globalization;

namespace GitOpsStatus.Server.Status;

/// <summary>The one time format readers see: ISO 8601 UTC with milliseconds, e.g. 2026-04-21T10:30:00.000Z.</summary>
internal static class Time
{
    public static string Iso(long unixMilliseconds) => Iso(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));

    public static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
