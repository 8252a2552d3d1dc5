using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOpsStatus.Core.Reports;

/// <summary>
/// Reads ISO 8601 timestamps that carry an offset (<c>Z</c> or <c>+03:00</c>) and writes them in UTC.
/// A time without an offset is ambiguous (whose local time?), so it is refused rather than guessed.
/// </summary>
public sealed class OffsetTimestampConverter : JsonConverter<DateTimeOffset>
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd' 'HH:mm:ssK", "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFK",
    ];

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException($"expected an ISO 8601 timestamp string with an offset, got {reader.TokenType}");
        // The form checkers send, read straight from the UTF-8 bytes; anything else takes the slower general parser.
        if (!reader.HasValueSequence && !reader.ValueIsEscaped && TryParseCommon(reader.ValueSpan, out var common))
            return common;
        var text = reader.GetString()!;
        if (TryParse(text, out var value))
            return value;
        throw new JsonException($"\"{Truncate(text)}\" is not an ISO 8601 timestamp with an offset, like 2026-04-21T10:30:00Z");
    }

    /// <summary>Writes UTC as <c>yyyy-MM-ddTHH:mm:ss.FFFFFFFZ</c>: the fraction without trailing zeros, and without its point when whole.</summary>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        // "O" always writes seven fraction digits: 2026-04-21T10:30:00.0000000Z.
        Span<byte> text = stackalloc byte[28];
        Utf8Formatter.TryFormat(value.UtcDateTime, text, out _, new StandardFormat('O'));
        var end = 27;
        while (end > 20 && text[end - 1] == (byte)'0')
            end--;
        if (end == 20)
            end = 19;
        text[end] = (byte)'Z';
        writer.WriteStringValue(text[..(end + 1)]);
    }

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || HasNumericOffset(text);
        value = default;
        return hasOffset && DateTimeOffset.TryParseExact(text.ToUpperInvariant(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>
    /// <c>yyyy-MM-ddTHH:mm:ss</c>, an optional fraction of 1–7 digits, then <c>Z</c> or <c>±HH:mm</c>: the same value
    /// <see cref="TryParse"/> gives. False for any other text (which may still be valid: the caller falls back to <see cref="TryParse"/>).
    /// </summary>
    internal static bool TryParseCommon(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':'
            || !Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second))
            return false;
        var at = 19;
        long ticks = 0;
        if (text[at] == '.')
        {
            var digits = 0;
            for (at++; at < text.Length && digits < 8 && text[at] - '0' is >= 0 and <= 9; at++, digits++)
                ticks = ticks * 10 + (text[at] - '0');
            if (digits is 0 or > 7)
                return false;
            for (; digits < 7; digits++)
                ticks *= 10;
        }
        var offset = TimeSpan.Zero;
        var zone = text[at..];
        if (zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && zone[3] == ':'
            && Digits(zone, 1, 2, out var offsetHours) && Digits(zone, 4, 2, out var offsetMinutes) && offsetHours <= 14 && offsetMinutes <= 59)
            offset = new TimeSpan(zone[0] == '-' ? -offsetHours : offsetHours, zone[0] == '-' ? -offsetMinutes : offsetMinutes, 0);
        else if (zone.Length != 1 || zone[0] != 'Z')
            return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59
            || Math.Abs(offset.Ticks) > TimeSpan.TicksPerHour * 14)
            return false;
        var local = new DateTime(year, month, day, hour, minute, second).AddTicks(ticks);
        var utc = local.Ticks - offset.Ticks;
        if (utc < DateTime.MinValue.Ticks || utc > DateTime.MaxValue.Ticks)
            return false;
        value = new DateTimeOffset(local, offset);
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        foreach (var c in text.Slice(start, count))
        {
            if (c - '0' is < 0 or > 9)
                return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }

    private static bool HasNumericOffset(string text) =>
        text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':';

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
