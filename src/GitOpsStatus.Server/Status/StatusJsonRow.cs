namespace GitOpsStatus.Server.Status;

/// <summary>
/// One row of <c>/status.json</c> as the OpenAPI document describes it (the route writes rows with a
/// <c>Utf8JsonWriter</c>; OpenApiTests validates real bodies against this). Absent text is <c>""</c>, never null.
/// <c>acknowledged</c> is true while the target's drift is accepted (it stays OUT_OF_SYNC) until <c>ack_until</c>; <c>flapping</c> while
/// its status keeps changing (more than GITOPS_FLAP_THRESHOLD changes within GITOPS_FLAP_WINDOW, until a window passes without one).
/// <c>drift_age_seconds</c> (null unless OUT_OF_SYNC, the one key that may be null) and <c>recurrences_30d</c> are counted at the start of the minute.
/// </summary>
public sealed record StatusJsonRow(
    string Repo,
    string Server,
    string SyncStatus,
    int StatusValue,
    int DriftCount,
    string Files,
    string LastCheck,
    string ReceivedAt,
    string StatusSince,
    string LastSyncedAt,
    string Revision,
    string Source,
    string Error,
    bool Acknowledged,
    string AckReason,
    string AckBy,
    string AckUntil,
    string Detection,
    string Cause,
    bool Flapping,
    long? DriftAgeSeconds,
    [property: System.Text.Json.Serialization.JsonPropertyName("recurrences_30d")] int Recurrences30d);
