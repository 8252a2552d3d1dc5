using System.Text.Json.Serialization;
using GitOpsStatus.Server.Api;
using GitOpsStatus.Server.Ingestion;

namespace GitOpsStatus.Server;

/// <summary>Source-generated JSON for the API's own responses, snake_case as on the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IngestResponse))]
[JsonSerializable(typeof(TargetList))]
[JsonSerializable(typeof(TargetDetailResponse))]
[JsonSerializable(typeof(HistoryList))]
[JsonSerializable(typeof(SummaryResponse))]
[JsonSerializable(typeof(Acknowledgements.AckBody))]
[JsonSerializable(typeof(Acknowledgements.AckItem))]
[JsonSerializable(typeof(Acknowledgements.AckList))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class ServerJson : JsonSerializerContext;
