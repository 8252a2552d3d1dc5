using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace GitOpsStatus.Core.Reports;

/// <summary>Source-generated System.Text.Json metadata for the wire contract: snake_case, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    AllowDuplicateProperties = false,
    MaxDepth = 16,
    Converters = [typeof(OffsetTimestampConverter)])]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(List<StatusReport>))]
public sealed partial class ReportJson : JsonSerializerContext
{
    private static readonly Lazy<ReportJson> IndentedContext =
        new(() => new ReportJson(new JsonSerializerOptions(Default!.Options) { WriteIndented = true, TypeInfoResolver = null }));

    /// <summary>The same contract, indented, for people reading a report.</summary>
    public static ReportJson Indented => IndentedContext.Value;

    /// <summary>
    /// A report's JSON (as <c>JsonSerializer.SerializeToUtf8Bytes</c> writes it) in an array of its own: that method writes
    /// through ArrayPool.Shared buffers, and the pool keeps those grown to a large report's size for the life of an agent.
    /// </summary>
    public static byte[] Utf8(StatusReport report)
    {
        var options = Default.Options;
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder, Indented = options.WriteIndented, MaxDepth = options.MaxDepth }))
            JsonSerializer.Serialize(writer, report, Default.StatusReport);
        return buffer.WrittenSpan.ToArray();
    }
}
