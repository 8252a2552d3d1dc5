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
}
