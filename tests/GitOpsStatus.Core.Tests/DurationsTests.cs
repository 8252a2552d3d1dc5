namespace GitOpsStatus.Core.Tests;

/// <summary>The one duration parser that server settings, CLI flags and config files share.</summary>
public class DurationsTests
{
    [Theory]
    [InlineData("120", 120)]
    [InlineData("1.5", 1.5)]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    [InlineData("250ms", 0.25)]
    [InlineData("1m30s500ms", 90.5)]
    [InlineData("1.5h", 5400)]
    [InlineData("00:10:00", 600)]
    [InlineData("01:30:00", 5400)]
    [InlineData("1.02:00:00", 93600)]
    [InlineData(" 10m ", 600)]
    [InlineData("0", 0)]
    public void A_duration_written_as_people_write_it_is_read(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("soon")]
    [InlineData("10x")]
    [InlineData("-5s")]
    [InlineData("-00:10:00")]
    [InlineData("10 m")]
    [InlineData("10M")]
    [InlineData("m")]
    [InlineData("1w")]
    [InlineData("1e3")]
    [InlineData("25:00:00:00")]
    [InlineData("99999999999999d")]
    [InlineData("99999999999999999999999")]
    public void Anything_else_is_not_a_duration(string text)
    {
        Assert.False(Durations.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0.25, "250ms")]
    [InlineData(2, "2s")]
    [InlineData(120, "2m")]
    [InlineData(5400, "1h30m")]
    [InlineData(93784, "1d2h3m4s")]
    public void A_duration_is_written_as_the_parser_reads_it_back(double seconds, string text)
    {
        Assert.Equal(text, Durations.Format(TimeSpan.FromSeconds(seconds)));
        Assert.True(Durations.TryParse(text, out var back));
        Assert.Equal(TimeSpan.FromSeconds(seconds), back);
    }

    [Fact]
    public void The_expected_form_names_every_kind_of_duration_the_parser_reads()
    {
        foreach (var example in new[] { "90s", "10m", "1h30m", "2h", "1d", "00:10:00" })
        {
            Assert.Contains(example, Durations.Expected, StringComparison.Ordinal);
            Assert.True(Durations.TryParse(example, out _), example);
        }
    }
}
