using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Targets;

/// <summary>
/// When a target is STALE, stated once. Readers and the SQLite store call these methods; the SQL both
/// stores run is built by the <c>…Sql</c> methods from the same constants, so the rule cannot differ
/// between C# and a query (times are Unix milliseconds).
/// </summary>
public static class TargetRules
{
    /// <summary>A target that sent <c>interval_seconds</c> goes STALE after this many intervals without a report.</summary>
    public const int StaleIntervals = 3;

    /// <summary>How long after its last check a target goes STALE: 3 × its interval, or <paramref name="staleAfter"/> (<c>GITOPS_STALE_AFTER</c>) when it sent none.</summary>
    public static long StaleLimitMs(long? intervalSeconds, TimeSpan staleAfter) =>
        intervalSeconds is { } interval ? Storage.StoredRows.Interval(interval) * 1000 * StaleIntervals : (long)staleAfter.TotalMilliseconds;

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
        $"{lastCheck} + COALESCE({Storage.StoredRows.IntervalSql(intervalSeconds)} * {1000 * StaleIntervals}, {staleMs})";

    /// <summary><see cref="IsStale"/> in SQL.</summary>
    public static string IsStaleSql(string now, string lastCheck, string intervalSeconds, string staleMs) =>
        $"{now} > {StaleAtSql(lastCheck, intervalSeconds, staleMs)}";

    /// <summary>The status of <see cref="Derive"/> in SQL, over a <c>targets</c> row.</summary>
    public static string DerivedStatusSql(string now, string staleMs) =>
        $"CASE WHEN {IsStaleSql(now, "last_check", "interval_seconds", staleMs)} THEN 'STALE' ELSE sync_status END";
}
