using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Storage;

/// <summary>One target: its stored row and the full latest report (every file, change kind, hashes, diff);
/// <c>ReportJson</c> is the report exactly as stored (canonical JSON, snake_case).</summary>
public sealed record TargetDetail(TargetRow Row, StatusReport Report, string ReportJson)
{
    /// <summary>Each drifted file (in the report's order) with when it started drifting and its starts kept (<see cref="Targets.TargetRules.NextDrift"/>).</summary>
    public IReadOnlyList<FileDrift> Drift { get; init; } = [];
}

/// <summary>A drifted file: when its current drift started (<c>FirstSeen</c>, Unix ms) and when it started drifting before, oldest first.</summary>
public sealed record FileDrift(string Name, long FirstSeen, long[] Starts)
{
    /// <summary>How many times it started drifting within 30 days before <paramref name="now"/>, the current drift included.</summary>
    public int Recurrences(DateTimeOffset now) => Targets.TargetRules.Recurrences(Starts, now.ToUnixTimeMilliseconds());
}

/// <summary>
/// One history event: a change of status, drifted file set or revision (never a heartbeat). <c>Id</c> grows
/// with insertion (the paging cursor); <c>At</c> is the <c>last_check</c> of the report that made the change,
/// or when the target went STALE (Unix ms); <c>Changes</c> is <c>first</c> or a comma list of <c>status</c>,
/// <c>files</c>, <c>revision</c>; or <c>acknowledged</c> / <c>unacknowledged</c> (<see cref="Targets.AckEvents"/>: <c>At</c> is when, <c>Ack</c> who and why).
/// </summary>
public sealed record HistoryEvent(
    long Id,
    long At,
    long ReceivedAt,
    string Changes,
    string? FromStatus,
    string ToStatus,
    int DriftCount,
    string Files,
    string? FromRevision,
    string? Revision,
    AckEventInfo? Ack = null);

/// <summary>An acknowledgement event's acknowledgement: who made it, why, until when (Unix ms), and why it ended (null on <c>acknowledged</c>).</summary>
public sealed record AckEventInfo(string By, string Reason, long Until, string? EndReason);

/// <summary>
/// An acknowledgement: who (<c>By</c>) accepted which drift (<c>FilesJson</c>, a JSON array of the file names whose content it
/// covers) and why, until when; when it ended and why (<see cref="Targets.AckEnded"/>), null while it holds. Times in Unix ms.
/// </summary>
public sealed record Ack(long Id, string Repo, string Server, string FilesJson, string Reason, string By, long Until, long CreatedAt, long? EndedAt,
    string? EndReason);

/// <summary>A new acknowledgement of the target's drift as read at <c>LastCheck</c> with content <c>ContentKey</c>; refused if the target changed since.</summary>
public sealed record AckRequest(string Repo, string Server, long LastCheck, string ContentKey, string FilesJson, string Reason, string By, long Until, long Now);

/// <summary>
/// A page of history, newest first; <paramref name="NextBeforeId"/> is the cursor of the next (older) page, null on the last.
/// <paramref name="Events"/> are read from the store as they are enumerated, once.
/// </summary>
public sealed record HistoryPage(IAsyncEnumerable<HistoryEvent> Events, long? NextBeforeId);

/// <summary>A listing's tag (<see cref="IStatusStore.ReadListingTagAsync"/>) and whether any target's drift age or recurrences show in it.</summary>
public readonly record struct ListingTag(string Value, bool Drifting);

/// <summary>Targets per derived status.</summary>
public sealed record StatusCounts(int Total, int Synced, int OutOfSync, int Stale, int Unknown)
{
    public static readonly StatusCounts Zero = new(0, 0, 0, 0, 0);

    public StatusCounts Add(string status, int count) => status switch
    {
        SyncStatus.Synced => this with { Total = Total + count, Synced = Synced + count },
        SyncStatus.OutOfSync => this with { Total = Total + count, OutOfSync = OutOfSync + count },
        SyncStatus.Stale => this with { Total = Total + count, Stale = Stale + count },
        _ => this with { Total = Total + count, Unknown = Unknown + count },
    };

    public int Of(string status) => status switch
    {
        SyncStatus.Synced => Synced,
        SyncStatus.OutOfSync => OutOfSync,
        SyncStatus.Stale => Stale,
        _ => Unknown,
    };
}

/// <summary>Counts per derived status, overall and per repo (repos sorted by name).</summary>
public sealed record StatusSummary(StatusCounts Overall, IReadOnlyList<RepoCounts> Repos);

public sealed record RepoCounts(string Repo, StatusCounts Counts);

/// <summary>One page of targets and how many match in all; <paramref name="Rows"/> are read from the store as they are enumerated, once.</summary>
public sealed record TargetRowPage(IAsyncEnumerable<TargetRow> Rows, int Total);

/// <summary>Filters and paging for listing targets; <paramref name="Statuses"/> are derived statuses (empty: any).</summary>
public sealed record TargetQuery(string? Repo, string? Server, IReadOnlySet<string> Statuses, int Limit, int Offset);

/// <summary>
/// The dashboard list's query: exact <paramref name="Repo"/>, <paramref name="Text"/> found (ASCII case-insensitively) in
/// repo, server, drifted files, revision, source or error, one derived <paramref name="Status"/>; sorted by
/// <paramref name="Sort"/> (a <see cref="ListingSql.Sorts"/> key), ties by repo then server; page <paramref name="Page"/>
/// (from 1, clamped to the last) of <paramref name="PageSize"/> rows.
/// </summary>
public sealed record ListingQuery(string? Repo, string? Text, string? Status, string Sort, bool Descending, int Page, int PageSize);

/// <summary>
/// One page of the dashboard list: counts per derived status after the repo and text filters, how many also pass the
/// status filter (<paramref name="Matching"/>), the page shown and its rows (drifted files cut to
/// <see cref="ListingSql.FilesShown"/> characters), every repo, and how many targets there are in all.
/// </summary>
public sealed record Listing(StatusCounts Counts, int Matching, int Page, IReadOnlyList<TargetRow> Rows, IReadOnlyList<string> Repos, int Total);
