using System.Globalization;
using System.Text;
using System.Text.Json;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Tests;

/// <summary>The converter's fast paths give exactly what the general parser and the custom format give.</summary>
public class TimestampTests
{
    [Theory]
    [InlineData("2026-04-21T10:30:00Z")]
    [InlineData("2026-04-21T10:30:00.123Z")]
    [InlineData("2026-04-21T10:30:00.1Z")]
    [InlineData("2026-04-21T10:30:00.1234567Z")]
    [InlineData("2026-04-21T13:30:00+03:00")]
    [InlineData("2026-04-21T03:30:00.5-07:00")]
    [InlineData("2026-04-21T10:30:00-00:00")]
    [InlineData("2024-02-29T23:59:59.9999999+14:00")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2026-04-21t10:30:00z")]
    [InlineData("2026-04-21 10:30:00Z")]
    public void A_valid_timestamp_reads_as_the_general_parser_reads_it(string text)
    {
        Assert.True(OffsetTimestampConverter.TryParse(text, out var expected));
        var read = LastCheckOf(text);
        Assert.Equal(expected, read);
        Assert.Equal(expected.Offset, read!.Value.Offset);
    }

    [Theory]
    [InlineData("2026-04-21T10:30:00")]
    [InlineData("2026-04-21T10:30:00.Z")]
    [InlineData("2026-04-21T10:30:00.12345678Z")]
    [InlineData("2026-02-30T10:30:00Z")]
    [InlineData("2026-13-01T10:30:00Z")]
    [InlineData("2026-04-21T24:00:00Z")]
    [InlineData("2026-04-21T10:60:00Z")]
    [InlineData("2026-04-21T10:30:60Z")]
    [InlineData("2026-04-21T10:30:00+15:00")]
    [InlineData("2026-04-21T10:30:00+03:60")]
    [InlineData("0001-01-01T00:00:00+01:00")]
    [InlineData("9999-12-31T23:59:59-01:00")]
    [InlineData("2026-04-21T10:30:00+0300")]
    [InlineData("２０２６-04-21T10:30:00Z")]
    public void An_odd_timestamp_reads_or_is_refused_as_the_general_parser_decides(string text)
    {
        var (report, error) = ReportParser.Parse(Encoding.UTF8.GetBytes($$"""{"last_check":"{{text}}"}"""));
        if (OffsetTimestampConverter.TryParse(text, out var expected))
            Assert.Equal((expected, expected.Offset), (report!.LastCheck!.Value, report.LastCheck.Value.Offset));
        else
            Assert.Equal("last_check", error?.Field);
    }

    [Fact]
    public void A_timestamp_is_written_as_the_custom_format_writes_it()
    {
        var random = new Random(7);
        var times = new List<DateTimeOffset>
        {
            new(2026, 4, 21, 10, 30, 0, TimeSpan.Zero),
            new(2026, 4, 21, 13, 30, 0, TimeSpan.FromHours(3)),
            new DateTimeOffset(2026, 4, 21, 10, 30, 0, TimeSpan.Zero).AddTicks(1),
            new DateTimeOffset(2026, 4, 21, 10, 30, 0, TimeSpan.Zero).AddMilliseconds(120),
            DateTimeOffset.MinValue,
            DateTimeOffset.MaxValue,
        };
        for (var i = 0; i < 2000; i++)
            times.Add(new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks + TimeSpan.TicksPerDay, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay),
                TimeSpan.FromMinutes(random.Next(-14 * 60, 14 * 60 + 1))));
        foreach (var time in times)
        {
            var expected = time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
            var json = JsonSerializer.Serialize(new StatusReport { LastCheck = time }, ReportJson.Default.StatusReport);
            Assert.Equal($$"""{"last_check":"{{expected}}"}""", json);
            Assert.Equal(time, LastCheckOf(expected));
        }
    }

    private static DateTimeOffset? LastCheckOf(string text)
    {
        var (report, error) = ReportParser.Parse(Encoding.UTF8.GetBytes($$"""{"last_check":"{{text}}"}"""));
        Assert.Null(error);
        return report!.LastCheck;
    }
}
