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

    /// <summary>
    /// A target's cause, for <c>/status.json</c>, the list and notifications: <c>edited</c> when any drifted file is a hand
    /// edit (the one a person must look at), else <c>other_revision</c> when any file is another commit's version, else null.
    /// </summary>
    public static string? CauseOf(IReadOnlyList<DriftedFile>? files)
    {
        string? cause = null;
        for (var i = 0; files is not null && i < files.Count; i++)
        {
            if (files[i].Cause == DriftCause.Edited)
                return DriftCause.Edited;
            if (files[i].Cause == DriftCause.OtherRevision)
                cause = DriftCause.OtherRevision;
        }
        return cause;
    }

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
    /// How a change is announced (flapping, the debounce) is <see cref="Notice"/>'s, under <paramref name="notices"/> (default: <see cref="NoticeRules.Default"/>).
    /// </summary>
    public static ReportEffects Apply(StoredTarget? stored, ReportFacts report, TimeSpan staleAfter, NoticeRules? notices = null)
    {
        var before = stored is { } s ? s.AnnouncedStatus ?? s.SyncStatus : null;
        var wasStale = stored is { } t && (before == SyncStatus.Stale || IsStale(report.ReceivedAt, t.LastCheck, t.IntervalSeconds, staleAfter));
        var statusChanged = stored is null || stored.Value.SyncStatus != report.SyncStatus || wasStale;
        var announced = IsStale(report.ReceivedAt, report.LastCheck, report.IntervalSeconds, staleAfter) ? SyncStatus.Stale : report.SyncStatus;
        var recovered = before == SyncStatus.Stale && announced != SyncStatus.Stale;
        var (notice, deliver) = Notice(stored, before, announced, report.ReceivedAt, notices ?? NoticeRules.Default);
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
            AckEnd: stored is { } a ? AckEnd(a.AckKey, a.AckUntil, report.SyncStatus, report.ContentKey, report.ReceivedAt) : null,
            Notice: notice,
            Deliver: deliver);
    }

    /// <summary>
    /// Whether a change of announced status from <paramref name="from"/> to <paramref name="to"/> is news: any change of a known
    /// target; a new one (<paramref name="from"/> null) only when it arrives in trouble, a green newcomer is not news.
    /// </summary>
    public static bool Announces(string? from, string to) => from != to && (from is not null || to is SyncStatus.OutOfSync or SyncStatus.Unknown);

    /// <summary><see cref="Announces"/> in SQL.</summary>
    public static string AnnouncesSql(string from, string to) =>
        $"({from} IS DISTINCT FROM {to} AND ({from} IS NOT NULL OR {to} IN ('{SyncStatus.OutOfSync}', '{SyncStatus.Unknown}')))";

    /// <summary>
    /// How a change of announced status (from <paramref name="before"/>, null for a new target) is announced, and the target's
    /// new flapping and debounce state; (null, null) when the status did not change: a heartbeat reads and writes none of it.
    /// <list type="bullet">
    /// <item><b>Flapping.</b> The last <c>threshold + 1</c> change times are kept; a target whose <c>threshold + 1</c>-th latest change
    /// is within the window changed more than <c>threshold</c> times in it and starts flapping: one <see cref="Deliver.Flapping"/> event,
    /// then nothing for its changes until the sweep sees a window without one (<see cref="Settled"/>: one <c>settled</c> event).</item>
    /// <item><b>Debounce.</b> With <c>GITOPS_NOTIFY_AFTER</c> zero the change is announced at once (<see cref="Deliver.Now"/>). Otherwise
    /// it waits until <c>NotifyDue</c> from <c>NotifyFrom</c> (the status last announced, kept across changes that follow within the
    /// delay): a change back to it cancels it, and the sweep announces it once due (<see cref="NotifyDue"/>).</item>
    /// </list>
    /// </summary>
    public static (NoticeState? State, string? Deliver) Notice(StoredTarget? stored, string? before, string announced, long at, NoticeRules rules)
    {
        if (before == announced)
            return (null, null);
        // The first report is no change: a newcomer starts with no change times.
        var times = stored is { } s ? FlapTimes(s.FlapTimes, at, rules.FlapThreshold) : [];
        if (stored?.FlappingSince is { } since)
            return (new NoticeState(times, since, null, null), null);
        if (IsFlapping(times, at, rules))
            return (new NoticeState(times, at, null, null), Deliver.Flapping);
        if (rules.NotifyAfter <= TimeSpan.Zero)
            return (new NoticeState(times, null, null, null), Announces(before, announced) ? Deliver.Now : null);
        var from = stored?.NotifyDue is not null ? stored.Value.NotifyFrom : before;
        return Announces(from, announced)
            ? (new NoticeState(times, null, at + (long)rules.NotifyAfter.TotalMilliseconds, from), null)
            : (new NoticeState(times, null, null, null), null);
    }

    /// <summary>The change times kept after a change at <paramref name="at"/>: the latest <paramref name="threshold"/> + 1, oldest first.</summary>
    public static long[] FlapTimes(long[]? kept, long at, int threshold)
    {
        var times = (kept ?? []).Append(at).ToArray();
        return times[Math.Max(0, times.Length - (threshold + 1))..];
    }

    /// <summary>More than <c>FlapThreshold</c> changes within the window ending at <paramref name="now"/> (a threshold of 0: never).</summary>
    public static bool IsFlapping(long[] times, long now, NoticeRules rules) =>
        rules.FlapThreshold > 0 && times.Length > rules.FlapThreshold && times[^(rules.FlapThreshold + 1)] > now - rules.WindowMs;

    /// <summary>A flapping target settles once its last change is a whole window old (the sweep checks).</summary>
    public static bool Settled(long lastChange, long now, NoticeRules rules) => lastChange <= now - rules.WindowMs;

    /// <summary><see cref="Settled"/> in SQL, over an expression of the last change time and parameters for now and the window in ms.</summary>
    public static string SettledSql(string lastChange, string now, string windowMs) => $"{lastChange} <= {now} - {windowMs}";

    /// <summary>A debounced change is announced by the sweep once <c>notify_due</c> has come, if it is still news then.</summary>
    public static bool NotifyDue(long? notifyDue, long now) => notifyDue is { } due && due <= now;

    /// <summary>
    /// What the stale sweep announces of a target going STALE: nothing while it flaps; from the status last announced (a pending
    /// debounced change is dropped, STALE replaces it) when that is news.
    /// </summary>
    public static string? StaleFrom(string? alertStatus, long? notifyDue, string? notifyFrom) => notifyDue is null ? alertStatus : notifyFrom;

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

    /// <summary>How far back a drift start counts as a recurrence (<c>recurrences_30d</c>).</summary>
    public static readonly TimeSpan RecurrenceWindow = TimeSpan.FromDays(30);

    public static long RecurrenceWindowMs => (long)RecurrenceWindow.TotalMilliseconds;

    /// <summary>
    /// Recurrences are counted up to this many: a target keeps its latest 100 starts, and each file its latest 100, so a target
    /// that keeps flipping cannot grow its row, or the work each of its reports costs the single writer, without bound
    /// (<c>TARGETS=100 CHANGE=1 bench/ingest/ab.sh</c>).
    /// </summary>
    public const int MaxRecurrences = 100;

    /// <summary>
    /// A target's drift bookkeeping after a report whose drifted file set differs from the stored one (the caller skips the reports
    /// whose set did not change: a heartbeat or a repeated OUT_OF_SYNC report reads and writes none of it). A file keeps its start
    /// while it stays in the set and starts again at <paramref name="at"/> (the report's check time) when it enters it; the target's
    /// <c>DriftSince</c> is its oldest file's start; a report in which any file started adds one start to the target's starts, of
    /// which the latest <see cref="MaxRecurrences"/> within <see cref="RecurrenceWindow"/> are kept. <c>Started</c>: the files that started
    /// now (one per-file start each).
    /// </summary>
    public static DriftState NextDrift(string[] oldFiles, long[] oldStarts, long[]? targetStarts, IReadOnlyList<string> newFiles, long at)
    {
        // By name, not by a search per file: a report may name tens of thousands of files.
        var was = new Dictionary<string, int>(oldFiles.Length, StringComparer.Ordinal);
        for (var i = oldFiles.Length - 1; i >= 0; i--)
            was[oldFiles[i]] = i; // the first of a repeated name, as a search would find
        var starts = new long[newFiles.Count];
        var started = new List<string>();
        for (var i = 0; i < newFiles.Count; i++)
        {
            var found = was.TryGetValue(newFiles[i], out var old);
            starts[i] = found && old < oldStarts.Length ? oldStarts[old] : at;
            if (!found)
                started.Add(newFiles[i]);
        }
        var kept = (targetStarts ?? []).Where(s => s > at - RecurrenceWindowMs).TakeLast(MaxRecurrences - 1).ToArray();
        var recurrences = started.Count > 0 && !kept.Contains(at) ? [.. kept, at] : kept;
        return new DriftState([.. newFiles], starts, starts.Length > 0 ? starts.Min() : null, recurrences, [.. started]);
    }

    /// <summary>How many of a target's drift starts fall within <see cref="RecurrenceWindow"/> before <paramref name="now"/>.</summary>
    public static int Recurrences(long[]? starts, long now) => (starts ?? []).Count(s => s > now - RecurrenceWindowMs);

    /// <summary>
    /// A target's drift age at <paramref name="now"/>, in whole seconds: from its oldest drifted file's start, or when it has none
    /// from its OUT_OF_SYNC run's start; null unless it reported OUT_OF_SYNC.
    /// </summary>
    public static long? DriftAgeSeconds(string syncStatus, long? driftSince, long statusSince, long now) =>
        syncStatus == SyncStatus.OutOfSync ? Math.Max(0, (now - (driftSince ?? statusSince)) / 1000) : null;

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
/// <c>AckKey</c>/<c>AckUntil</c>: its acknowledgement's content key and end, null when none.
/// <c>FlapTimes</c>, <c>FlappingSince</c>, <c>NotifyDue</c>, <c>NotifyFrom</c>: its flapping and debounce state (<see cref="TargetRules.Notice"/>).</summary>
public readonly record struct StoredTarget(
    string SyncStatus, string? AnnouncedStatus, long? AnnouncedAt, long LastCheck, long StatusSince, long? LastSyncedAt, long? IntervalSeconds,
    string DriftKey, string? Revision, string? AckKey = null, long? AckUntil = null,
    long[]? FlapTimes = null, long? FlappingSince = null, long? NotifyDue = null, string? NotifyFrom = null);

/// <summary>A target's drift bookkeeping (<see cref="TargetRules.NextDrift"/>): its drifted files with each one's start, the oldest start
/// (null: none drift), its drift starts within the recurrence window (oldest first) and the files that started with this report.</summary>
public sealed record DriftState(string[] Files, long[] FileStarts, long? Since, long[] Starts, string[] Started);

/// <summary>How notifications are calmed: <c>GITOPS_FLAP_THRESHOLD</c>, <c>GITOPS_FLAP_WINDOW</c>, <c>GITOPS_NOTIFY_AFTER</c>.</summary>
public readonly record struct NoticeRules(int FlapThreshold, TimeSpan FlapWindow, TimeSpan NotifyAfter)
{
    public static readonly NoticeRules Default = new(6, TimeSpan.FromMinutes(30), TimeSpan.Zero);

    public long WindowMs => (long)FlapWindow.TotalMilliseconds;

    public long AfterMs => (long)NotifyAfter.TotalMilliseconds;
}

/// <summary>A target's flapping and debounce state after a change of status: its latest change times (oldest first), since when it
/// flaps (null: it does not), and the pending debounced announcement (due time and from-status; due null: none).</summary>
public sealed record NoticeState(long[] FlapTimes, long? FlappingSince, long? NotifyDue, string? NotifyFrom);

/// <summary>What a change of status queues now.</summary>
public static class Deliver
{
    /// <summary>The transition itself.</summary>
    public const string Now = "now";

    /// <summary>One <c>flapping</c> event: the target started flapping; its changes are not announced until it settles.</summary>
    public const string Flapping = "flapping";
}

/// <summary>What the rules need of a report: its status, when it was checked and received, its interval, drifted file set (as a key) and revision.</summary>
public readonly record struct ReportFacts(string SyncStatus, long LastCheck, long ReceivedAt, long? IntervalSeconds, string DriftKey, string? Revision,
    string ContentKey = "");

/// <summary>
/// What storing a report changes: the target's status_since, last_synced_at and announced status (with when it
/// was announced); the history event's <c>Changes</c> ("" for none) and its from-status; whether the change of
/// announced status (from <c>AnnouncedBefore</c>) is sent to the webhooks; why the report ends the target's acknowledgement
/// (<see cref="AckEnded"/>), null when there is none or it holds; the target's new flapping and debounce state (null: unchanged, a heartbeat) and
/// what the change queues now (<see cref="Targets.Deliver"/>; null: nothing now).
/// </summary>
public readonly record struct ReportEffects(
    long StatusSince, long? LastSyncedAt, string Announced, long? AnnouncedAt, string Changes, string? FromStatus, string? AnnouncedBefore, bool Notify,
    string? AckEnd = null, NoticeState? Notice = null, string? Deliver = null)
{
    /// <summary>The acknowledgement ended without a transition to announce: one <c>unacknowledged</c> notification says so.</summary>
    public bool NotifyAckEnded => TargetRules.NotifyAckEnded(AckEnd, Notify);
}

/// <summary>The history events of acknowledgements (their <c>changes</c>).</summary>
public static class AckEvents
{
    /// <summary>Someone acknowledged the target's drift.</summary>
    public const string Made = "acknowledged";

    /// <summary>Its acknowledgement ended (<see cref="AckEnded"/> says why).</summary>
    public const string Ended = "unacknowledged";
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
