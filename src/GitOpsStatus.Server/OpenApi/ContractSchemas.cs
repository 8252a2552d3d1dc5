using System.Text.Json.Nodes;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Api;
using GitOpsStatus.Server.Ingestion;
using GitOpsStatus.Server.Status;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GitOpsStatus.Server.OpenApi;

/// <summary>
/// What the C# types cannot say about the wire: which strings are times, which take a fixed set of values,
/// integer ranges and the report's required fields. Every value comes from the rule it documents
/// (<see cref="SyncStatus"/>, <see cref="ChangeKind"/>, <see cref="ReportValidator"/>, <see cref="Names"/>, <see cref="TargetsApi"/>).
/// </summary>
internal sealed class ContractSchemas : IOpenApiSchemaTransformer
{
    private static readonly string[] HistoryChanges = ["first", "status", "files", "revision"];
    private static readonly string[] Outcomes = ["stored", "unchanged", "superseded"];
    private static readonly string[] Times = ["last_check", "received_at", "status_since", "last_synced_at", "at"];

    // Letters, digits, . _ - ; a repo's segments are separated by '/' and none is "." or "..".
    private const string ServerPattern = @"^(?!\.\.?$)[A-Za-z0-9._-]+$";
    private const string RepoPattern = @"^(?!\.\.?(/|$))[A-Za-z0-9._-]+(/(?!\.\.?(/|$))[A-Za-z0-9._-]+)*$";
    private const string Sha256Pattern = "^[0-9a-fA-F]{64}$";

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A request body's schemas carry its parameter too: properties first.
        if (context.JsonPropertyInfo is { } property)
            Property(schema, property.DeclaringType, property.Name);
        else if (context.JsonTypeInfo.Type == typeof(StatusReport))
        {
            schema.Required = new HashSet<string> { "repo", "server", "sync_status" };
            schema.Description = "A drift report for one (repo, server) target. drift_count is required with SYNCED (0) and OUT_OF_SYNC "
                + "(the number of files, at least 1) and must equal the length of files; UNKNOWN needs error and has no files. "
                + "Unknown fields are ignored; absent last_check is stamped with the time received.";
        }
        else if (context.JsonTypeInfo.Type == typeof(DriftedFile))
            schema.Required = new HashSet<string> { "name" };

        else if (context.ParameterDescription is { } parameter)
            Parameter(schema, parameter.Name);
        return Task.CompletedTask;
    }

    private static void Parameter(OpenApiSchema schema, string name)
    {
        switch (name)
        {
            // Bound as text so that the handler names a malformed value (TargetsApi.Number); integers on the wire.
            case "limit":
                schema.Type = JsonSchemaType.Integer;
                schema.Format = "int32";
                Range(schema, 1, TargetsApi.MaxLimit);
                break;
            case "offset":
                schema.Type = JsonSchemaType.Integer;
                schema.Format = "int32";
                Range(schema, 0, int.MaxValue);
                break;
            case "before":
                schema.Type = JsonSchemaType.Integer;
                schema.Format = "int64";
                Range(schema, 1, long.MaxValue);
                break;
            case "status":
                schema.Pattern = $"^({string.Join('|', SyncStatus.All)})(,({string.Join('|', SyncStatus.All)}))*$";
                schema.Description = "A comma list of SYNCED, OUT_OF_SYNC, STALE, UNKNOWN (case-insensitive)";
                break;
        }
    }

    private static void Property(OpenApiSchema schema, Type type, string name)
    {
        if (type == typeof(StatusJsonRow) && name == "last_synced_at")
        {
            schema.Pattern = @"^(|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)$";
            schema.Description = "An ISO 8601 UTC time, or \"\" when the target never reported SYNCED";
        }
        else if (Times.Contains(name) && schema.Type?.HasFlag(JsonSchemaType.String) == true)
            schema.Format = "date-time";

        if (type == typeof(StatusReport))
        {
            switch (name)
            {
                case "repo":
                    Text(schema, Names.MaxNameLength, RepoPattern);
                    break;
                case "server":
                    Text(schema, Names.MaxNameLength, ServerPattern);
                    break;
                case "sync_status":
                    Enum(schema, SyncStatus.Reported);
                    schema.Description = "SYNCED, OUT_OF_SYNC or UNKNOWN; the server derives STALE from last_check and interval_seconds.";
                    break;
                case "drift_count" or "duration_ms":
                    Range(schema, 0, long.MaxValue);
                    break;
                case "interval_seconds":
                    Range(schema, 1, ReportValidator.MaxIntervalSeconds);
                    break;
                case "revision" or "source" or "checker":
                    Text(schema, ReportValidator.MaxTextLength);
                    break;
                case "error":
                    Text(schema, ReportValidator.MaxErrorLength);
                    break;
                case "detection":
                    Enum(schema, DetectionMode.All);
                    schema.Description = "realtime, scheduled, or degraded: realtime was asked for and is not fully working (see detection_error).";
                    break;
                case "detection_error":
                    Text(schema, ReportValidator.MaxDetectionErrorLength);
                    schema.Description = "Why detection is degraded, e.g. \"inotify watch limit 8192 reached: raise fs.inotify.max_user_watches\".";
                    break;
                case "last_check":
                    schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
                    schema.Format = "date-time";
                    break;
            }
        }
        else if (type == typeof(DriftedFile))
        {
            switch (name)
            {
                case "name" or "repo_path":
                    schema.MinLength = 1;
                    schema.MaxLength = Names.MaxFileNameLength;
                    break;
                case "change":
                    Enum(schema, ChangeKind.All);
                    break;
                case "expected_sha256" or "actual_sha256":
                    schema.Pattern = Sha256Pattern;
                    break;
                case "expected_mode" or "actual_mode":
                    schema.Pattern = "^[0-7]{1,5}$";
                    schema.Description = "With change mode: the file's mode in octal, as git wants it (expected) and as the server has it (actual), e.g. 0644";
                    break;
                case "expected_owner" or "actual_owner":
                    Text(schema, ReportValidator.MaxTextLength);
                    schema.Description = "With change owner: user or user:group as git wants it (expected), user:group as the server has it (actual)";
                    break;
                case "cause":
                    Enum(schema, DriftCause.All);
                    schema.Description = "edited: no commit in the file's git history has this content (a hand edit); other_revision: the host has the version of matches_revision.";
                    break;
                // Inlined as the property's schema, so the object's own rules go here.
                case "changed_by":
                    schema.Required = new HashSet<string> { "user", "uid", "process", "pid", "at" };
                    schema.Description = "Who wrote the file, read from /proc/[pid] when the agent saw the write; left out rather than guessed.";
                    break;
                case "matches_revision":
                    schema.Pattern = "^[0-9a-fA-F]{7,64}$";
                    schema.Description = "Required with cause other_revision, refused otherwise: the git commit whose version of the file the host has.";
                    break;
            }
        }
        else if (type == typeof(FileChangedBy))
        {
            switch (name)
            {
                case "user" or "login_user" or "process":
                    schema.MinLength = 1;
                    Text(schema, ReportValidator.MaxChangedByText);
                    break;
                case "exe":
                    Text(schema, ReportValidator.MaxExeLength);
                    break;
                case "uid":
                    Range(schema, 0, ReportValidator.MaxUid);
                    break;
                case "pid":
                    Range(schema, 1, int.MaxValue);
                    break;
                case "parents":
                    schema.MaxItems = ReportValidator.MaxParents;
                    schema.Description = "Process names from the writer's parent up to the session, nearest first, e.g. [\"sudo\", \"bash\", \"sshd\"].";
                    break;
            }
        }
        else if (type == typeof(TargetItem) || type == typeof(StatusJsonRow))
        {
            switch (name)
            {
                case "sync_status":
                    Enum(schema, SyncStatus.All);
                    break;
                case "status_value":
                    Range(schema, 0, SyncStatus.All.Count - 1);
                    schema.Description = "0 SYNCED, 1 OUT_OF_SYNC, 2 STALE, 3 UNKNOWN";
                    break;
                case "drift_count":
                    Range(schema, 0, int.MaxValue);
                    break;
                case "interval_seconds":
                    Range(schema, 1, ReportValidator.MaxIntervalSeconds);
                    break;
            }
        }
        else if (type == typeof(HistoryItem))
        {
            switch (name)
            {
                case "from_status" or "to_status":
                    Enum(schema, SyncStatus.All);
                    break;
                case "changes":
                    schema.Items = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. HistoryChanges.Select(v => (JsonNode)v)] };
                    break;
                case "drift_count" or "id":
                    Range(schema, name == "id" ? 1 : 0, long.MaxValue);
                    break;
            }
        }
        else if (type == typeof(IngestResponse) && name == "outcome")
            Enum(schema, Outcomes);
        else if (type == typeof(TargetList) || type == typeof(CountsItem) || type == typeof(RepoSummaryItem))
        {
            if (schema.Type?.HasFlag(JsonSchemaType.Integer) == true)
                Range(schema, name == "limit" ? 1 : 0, name == "limit" ? TargetsApi.MaxLimit : int.MaxValue);
        }
    }

    private static void Enum(OpenApiSchema schema, IEnumerable<string> values)
    {
        schema.Enum = [.. values.Select(v => (JsonNode)v)];
        // A nullable enum lists null too, or a validator refuses the null the type allows.
        if (schema.Type?.HasFlag(JsonSchemaType.Null) == true)
            schema.Enum.Add(null!);
    }

    private static void Range(OpenApiSchema schema, long minimum, long maximum)
    {
        schema.Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture);
        schema.Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Text(OpenApiSchema schema, int maxLength, string? pattern = null)
    {
        schema.MaxLength = maxLength;
        if (pattern is not null)
            schema.Pattern = pattern;
    }
}
