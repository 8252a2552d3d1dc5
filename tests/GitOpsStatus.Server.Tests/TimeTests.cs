using System.Globalization;
using CsCheck;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Tests;

/// <summary>The hand-written ISO formatter against the <c>DateTime.ToString</c> format it replaced.</summary>
public class TimeTests
{
    private static string OldIso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("1970-01-01T00:00:00.000Z")]
    [InlineData("1999-12-31T23:59:59.999Z")]
    [InlineData("2000-01-01T00:00:00.000Z")]
    [InlineData("2024-02-29T12:34:56.007Z")]
    [InlineData("2026-04-21T10:30:00.000Z")]
    [InlineData("2026-12-31T23:59:59.999Z")]
    [InlineData("2027-01-01T00:00:00.001Z")]
    [InlineData("0001-01-01T00:00:00.000Z")]
    [InlineData("9999-12-31T23:59:59.999Z")]
    public void A_time_reads_as_iso_8601_utc_with_milliseconds(string expected)
    {
        var time = DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture);

        Assert.Equal(expected, Time.Iso(time));
        Assert.Equal(expected, Time.Iso(time.ToUnixTimeMilliseconds()));
        Assert.Equal(OldIso(time), Time.Iso(time));
    }

    [Fact]
    public void A_time_with_an_offset_is_written_in_utc()
    {
        var time = new DateTimeOffset(2026, 1, 1, 1, 30, 0, 999, TimeSpan.FromHours(2));

        Assert.Equal("2025-12-31T23:30:00.999Z", Time.Iso(time));
    }

    [Fact]
    public void Sub_millisecond_ticks_are_truncated_as_before()
    {
        var time = new DateTimeOffset(2026, 4, 21, 10, 30, 0, TimeSpan.Zero).AddTicks(9_999);

        Assert.Equal(OldIso(time), Time.Iso(time));
        Assert.Equal("2026-04-21T10:30:00.000Z", Time.Iso(time));
    }

    [Fact]
    public void Any_unix_millisecond_formats_as_datetime_tostring_did()
    {
        Gen.Long[0, 253_402_300_799_999].Sample(ms =>
        {
            var time = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            Span<byte> utf8 = stackalloc byte[Time.IsoLength];
            Time.WriteIso(time, utf8);
            Assert.Equal(OldIso(time), System.Text.Encoding.ASCII.GetString(utf8));
        });
    }
}
