using System.Text.Json.Serialization;
using GitOpsStatus.Server.Ingestion;

namespace GitOpsStatus.Server;

/// <summary>Source-generated JSON for the API's own responses, snake_case as on the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IngestResponse))]
internal sealed partial class ServerJson : JsonSerializerContext;
