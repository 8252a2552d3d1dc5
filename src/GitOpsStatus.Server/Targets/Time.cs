using System.Text;

namespace GitOpsStatus.Server.Targets;

/// <summary>The one time format readers see: ISO 8601 UTC with milliseconds, e.g. 2026-04-21T10:30:00.000Z.</summary>
internal static class Time
{
    /// <summary>Every time is this many ASCII characters long (years 0001–9999).</summary>
    public const int IsoLength = 24;

    public static string Iso(long unixMilliseconds) => Iso(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));

    public static string Iso(DateTimeOffset time)
    {
        Span<byte> ascii = stackalloc byte[IsoLength];
        WriteIso(time, ascii);
        return Encoding.ASCII.GetString(ascii);
    }

    /// <summary>
    /// Writes the time as UTF-8 into the first <see cref="IsoLength"/> bytes of <paramref name="utf8"/>. By hand
    /// rather than <c>ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")</c>: that custom-format path is far slower, and
    /// <c>/status.json</c> writes four times per target (<c>bench/read/run.sh</c>).
    /// </summary>
    public static void WriteIso(DateTimeOffset time, Span<byte> utf8)
    {
        var utc = time.UtcDateTime;
        utc.Deconstruct(out var year, out var month, out var day);
        var msOfDay = (int)(utc.TimeOfDay.Ticks / TimeSpan.TicksPerMillisecond);
        "0000-00-00T00:00:00.000Z"u8.CopyTo(utf8);
        Digits(utf8[0..4], year);
        Digits(utf8[5..7], month);
        Digits(utf8[8..10], day);
        Digits(utf8[11..13], msOfDay / 3_600_000);
        Digits(utf8[14..16], msOfDay / 60_000 % 60);
        Digits(utf8[17..19], msOfDay / 1000 % 60);
        Digits(utf8[20..23], msOfDay % 1000);
    }

    private static void Digits(Span<byte> to, int value)
    {
        for (var i = to.Length - 1; i >= 0; i--, value /= 10)
            to[i] = (byte)('0' + value % 10);
    }
}
