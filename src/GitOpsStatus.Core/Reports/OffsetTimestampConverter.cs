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
        var text = reader.GetString()!;
        if (TryParse(text, out var value))
            return value;
        throw new JsonException($"\"{Truncate(text)}\" is not an ISO 8601 timestamp with an offset, like 2026-04-21T10:30:00Z");
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') || HasNumericOffset(text);
        value = default;
        return hasOffset && DateTimeOffset.TryParseExact(text.ToUpperInvariant(), Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static bool HasNumericOffset(string text) =>
        text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':';

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
