using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Targets;

/// <summary>
/// The rules of a target, stated once: when it is STALE, what a newer report changes (status since,
/// history event) and what is announced. Readers and the SQLite store call these methods; the SQL both
/// stores run is built by the <c>…Sql</c> methods from the same constants, and PostgreSQL's batch
/// statement is held to <see cref="Apply"/> by <c>TargetRulesTests</c>, which both stores must pass.
/// Times are Unix milliseconds.
/// </summary>
public static class TargetRules
{
    /// <summary>A target that sent <c>interval_seconds</c> goes STALE after this many intervals without a report.</summary>
    public const int StaleIntervals = 3;

    /// <summary>How long after its last check a target goes STALE: 3 × its interval, or <paramref name="staleAfter"/> (<c>GITOPS_STALE_AFTER</c>) when it sent none.</summary>
    public static long StaleLimitMs(long? intervalSeconds, TimeSpan staleAfter) =>
        intervalSeconds is { } interval ? Interval(interval) * 1000 * StaleIntervals : (long)staleAfter.TotalMilliseconds;

    /// <summary>A stored interval_seconds read into 1 s to <see cref="ReportValidator.MaxIntervalSeconds"/> (rows written before the validator bounded it).</summary>
    public static long Interval(long stored) => Math.Clamp(stored, 1, ReportValidator.MaxIntervalSeconds);

    /// <summary><see cref="Interval"/> in SQL, for both stores (NULL stays NULL; PostgreSQL's GREATEST would skip it).</summary>
    public static string IntervalSql(string column) =>
        $"(CASE WHEN {column} < 1 THEN 1 WHEN {column} > {ReportValidator.MaxIntervalSeconds} THEN {ReportValidator.MaxIntervalSeconds} ELSE {column} END)";

    /// <summary>The moment the target goes STALE (it is STALE at any later moment).</summary>
    public static long StaleAt(long lastCheck, long? intervalSeconds, TimeSpan staleAfter) => lastCheck + StaleLimitMs(intervalSeconds, staleAfter);

    public static bool IsStale(long now, long lastCheck, long? intervalSeconds, TimeSpan staleAfter) => now > StaleAt(lastCheck, intervalSeconds, staleAfter);

    /// <summary>
    /// The status readers see: the reported one, or STALE (since it went stale) once reports stopped. Computed
    /// at read time, never stored, so a silent server can never show a stale green.
    /// </summary>
    public static DerivedStatus Derive(string syncStatus, long lastCheck, long statusSince, long? intervalSeconds, DateTimeOffset now, TimeSpan staleAfter)
    {
        var staleAt = StaleAt(lastCheck, intervalSeconds, staleAfter);
        return now.ToUnixTimeMilliseconds() > staleAt
            ? new DerivedStatus(SyncStatus.Stale, DateTimeOffset.FromUnixTimeMilliseconds(staleAt))
            : new DerivedStatus(syncStatus, DateTimeOffset.FromUnixTimeMilliseconds(statusSince));
    }

    /// <summary><see cref="StaleAt"/> in SQL, over the given column or parameter names; <paramref name="staleMs"/> holds <c>GITOPS_STALE_AFTER</c> in ms.</summary>
    public static string StaleAtSql(string lastCheck, string intervalSeconds, string staleMs) =>
        $"{lastCheck} + COALESCE({IntervalSql(intervalSeconds)} * {1000 * StaleIntervals}, {staleMs})";

    /// <summary><see cref="IsStale"/> in SQL.</summary>
    public static string IsStaleSql(string now, string lastCheck, string intervalSeconds, string staleMs) =>
        $"{now} > {StaleAtSql(lastCheck, intervalSeconds, staleMs)}";

    /// <summary>The status of <see cref="Derive"/> in SQL, over a <c>targets</c> row.</summary>
    public static string DerivedStatusSql(string now, string staleMs) =>
        $"CASE WHEN {IsStaleSql(now, "last_check", "interval_seconds", staleMs)} THEN 'STALE' ELSE sync_status END";

    /// <summary>The since of <see cref="Derive"/> in SQL, over a <c>targets</c> row: when it went STALE, or its status_since.</summary>
    public static string DerivedSinceSql(string now, string staleMs) =>
        $"CASE WHEN {IsStaleSql(now, "last_check", "interval_seconds", staleMs)} THEN {StaleAtSql("last_check", "interval_seconds", staleMs)} ELSE status_since END";

    /// <summary>
    /// What storing a newer report (one that <paramref name="stored"/> does not already hold) changes.
    /// The status last announced (STALE included) decides what is a transition; a target that went STALE
    /// (announced, or derived now) re-enters its reported status with a new status_since.
    /// </summary>
    public static ReportEffects Apply(StoredTarget? stored, ReportFacts report, TimeSpan staleAfter)
    {
        var before = stored is { } s ? s.AnnouncedStatus ?? s.SyncStatus : null;
        var wasStale = stored is { } t && (before == SyncStatus.Stale || IsStale(report.ReceivedAt, t.LastCheck, t.IntervalSeconds, staleAfter));
        var statusChanged = stored is null || stored.Value.SyncStatus != report.SyncStatus || wasStale;
        var announced = IsStale(report.ReceivedAt, report.LastCheck, report.IntervalSeconds, staleAfter) ? SyncStatus.Stale : report.SyncStatus;
        var recovered = before == SyncStatus.Stale && announced != SyncStatus.Stale;
        return new ReportEffects(
            StatusSince: statusChanged ? report.LastCheck : stored!.Value.StatusSince,
            LastSyncedAt: report.SyncStatus == SyncStatus.Synced ? report.LastCheck : stored?.LastSyncedAt,
            Announced: announced,
            AnnouncedAt: before != announced ? report.ReceivedAt : stored!.Value.AnnouncedAt,
            Changes: Changes(stored, report, recovered),
            FromStatus: recovered ? SyncStatus.Stale : stored?.SyncStatus,
            AnnouncedBefore: before,
            // A new target is announced only when it arrives in trouble; a green newcomer is not news.
            Notify: before != announced && (stored is not null || announced is SyncStatus.OutOfSync or SyncStatus.Unknown),
            AckEnd: stored is { } a ? AckEnd(a.AckKey, a.AckUntil, report.SyncStatus, report.ContentKey, report.ReceivedAt) : null);
    }

    /// <summary>The longest an acknowledgement may last.</summary>
    public static readonly TimeSpan MaxAcknowledgement = TimeSpan.FromDays(90);

    /// <summary>
    /// An acknowledgement's content: the drifted (file, actual SHA-256) pairs, sorted, as a hash; file names alone when the
    /// sender gave no hashes. Two reports with the same key drift the same way; any content change or newly drifted file changes it.
    /// </summary>
    public static string ContentKey(IEnumerable<(string Name, string? ActualSha256)> files) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n',
            files.Select(f => f.ActualSha256 is null ? f.Name : $"{f.Name}\0{f.ActualSha256}").Order(StringComparer.Ordinal)))));

    /// <summary>
    /// Why a report ends the target's acknowledgement (<paramref name="ackKey"/> null: none), or null when it still holds: it holds
    /// while the target stays OUT_OF_SYNC with the same content (<see cref="ContentKey"/>) and its <c>until</c> has not passed.
    /// </summary>
    public static string? AckEnd(string? ackKey, long? ackUntil, string syncStatus, string contentKey, long receivedAt) =>
        ackKey is null ? null
        : syncStatus != SyncStatus.OutOfSync ? AckEnded.Status
        : contentKey != ackKey ? AckEnded.Content
        : receivedAt >= ackUntil ? AckEnded.Expired
        : null;

    /// <summary><see cref="AckEnd"/> in SQL, over the locked row <c>t</c> and the report <c>excluded</c> (PostgreSQL's batch statement).</summary>
    public static string AckEndSql(string t, string excluded) =>
        $"CASE WHEN {t}.ack_key IS NULL THEN NULL WHEN {excluded}.sync_status <> '{SyncStatus.OutOfSync}' THEN '{AckEnded.Status}' "
        + $"WHEN {excluded}.content_key <> {t}.ack_key THEN '{AckEnded.Content}' WHEN {excluded}.received_at >= {t}.ack_until THEN '{AckEnded.Expired}' END";

    /// <summary>A target is shown acknowledged while it has an acknowledgement whose <c>until</c> is still ahead (the sweep ends it after).</summary>
    public static bool IsAcknowledged(long? ackUntil, long now) => ackUntil is { } until && now < until;

    /// <summary>
    /// An acknowledgement that ends leaves the target loud again with one notification: the report's own transition when
    /// its announced status changes, else an <c>unacknowledged</c> event.
    /// </summary>
    public static bool NotifyAckEnded(string? ackEnd, bool notifiedTransition) => ackEnd is not null && !notifiedTransition;

    /// <summary>True when a history event's <c>changes</c> (of <see cref="Apply"/>, or the PostgreSQL statement's) say the target is new or changed status.</summary>
    public static bool IsStatusChange(string changes) => changes == "first" || changes.StartsWith("status", StringComparison.Ordinal);

    /// <summary>Which of status, drifted file set and revision changed: the reason for a history event ("" for none).</summary>
    private static string Changes(StoredTarget? stored, ReportFacts report, bool recoveredFromStale)
    {
        if (stored is not { } s)
            return "first";
        var status = s.SyncStatus != report.SyncStatus || recoveredFromStale;
        var files = s.DriftKey != report.DriftKey;
        var revision = s.Revision != report.Revision;
        if (!status && !files && !revision)
            return ""; // a heartbeat
        return string.Join(',', new[] { status ? "status" : null, files ? "files" : null, revision ? "revision" : null }.OfType<string>());
    }
}

/// <summary>What the rules need of a target as stored. <c>AnnouncedStatus</c>: the status last announced (STALE included); null on rows from before migration 2.
/// <c>AckKey</c>/<c>AckUntil</c>: its acknowledgement's content key and end, null when none.</summary>
public readonly record struct StoredTarget(
    string SyncStatus, string? AnnouncedStatus, long? AnnouncedAt, long LastCheck, long StatusSince, long? LastSyncedAt, long? IntervalSeconds,
    string DriftKey, string? Revision, string? AckKey = null, long? AckUntil = null);

/// <summary>What the rules need of a report: its status, when it was checked and received, its interval, drifted file set (as a key) and revision.</summary>
public readonly record struct ReportFacts(string SyncStatus, long LastCheck, long ReceivedAt, long? IntervalSeconds, string DriftKey, string? Revision,
    string ContentKey = "");

/// <summary>
/// What storing a report changes: the target's status_since, last_synced_at and announced status (with when it
/// was announced); the history event's <c>Changes</c> ("" for none) and its from-status; whether the change of
/// announced status (from <c>AnnouncedBefore</c>) is sent to the webhooks; why the report ends the target's acknowledgement
/// (<see cref="AckEnded"/>), null when there is none or it holds.
/// </summary>
public readonly record struct ReportEffects(
    long StatusSince, long? LastSyncedAt, string Announced, long? AnnouncedAt, string Changes, string? FromStatus, string? AnnouncedBefore, bool Notify,
    string? AckEnd = null)
{
    /// <summary>The acknowledgement ended without a transition to announce: one <c>unacknowledged</c> notification says so.</summary>
    public bool NotifyAckEnded => TargetRules.NotifyAckEnded(AckEnd, Notify);
}

/// <summary>Why an acknowledgement ended, as history records it.</summary>
public static class AckEnded
{
    /// <summary>The target stopped being OUT_OF_SYNC.</summary>
    public const string Status = "status";

    /// <summary>A drifted file's content changed, or another file drifted.</summary>
    public const string Content = "content";

    /// <summary>Its <c>until</c> passed.</summary>
    public const string Expired = "expired";

    /// <summary>Someone deleted it.</summary>
    public const string Deleted = "deleted";

    /// <summary>A new acknowledgement replaced it.</summary>
    public const string Replaced = "replaced";
}
