using System.Text.Json;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Acknowledgements;

/// <summary>
/// The body of <c>POST /api/acknowledgements/{server}/{repo}</c>: why the drift is accepted (required), until when (required:
/// a date, meaning 00:00 UTC that day, or an ISO 8601 time; in the future, at most 90 days ahead) and, optionally, who accepts it.
/// </summary>
public sealed record AckBody(string? Reason, string? Until, string? By);

/// <summary>
/// An acknowledgement: the files whose drifted content it covers, why, by whom, until when; <c>ended_at</c> and
/// <c>end_reason</c> (status, content, expired, deleted, replaced) once it ended; <c>active</c> while it holds.
/// </summary>
public sealed record AckItem(long Id, string Repo, string Server, IReadOnlyList<string> Files, string Reason, string By, string Until, string CreatedAt,
    string? EndedAt, string? EndReason, bool Active);

/// <summary>A target's acknowledgements, newest first: the current one (if any) and the ended ones, its acknowledgement history.</summary>
public sealed record AckList(string Repo, string Server, IReadOnlyList<AckItem> Items);

internal static class AckMapping
{
    public static AckItem ToItem(this Ack a, long now) => new(a.Id, a.Repo, a.Server,
        JsonSerializer.Deserialize(a.FilesJson, ServerJson.Default.StringArray) ?? [], a.Reason, a.By, Time.Iso(a.Until), Time.Iso(a.CreatedAt),
        a.EndedAt is { } ended ? Time.Iso(ended) : null, a.EndReason, a.EndedAt is null && TargetRules.IsAcknowledged(a.Until, now));
}
