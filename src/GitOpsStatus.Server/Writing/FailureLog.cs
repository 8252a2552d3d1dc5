using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Writing;

/// <summary>
/// The log of one background loop that retries whatever fails: a line when a new kind of failure starts (its type and
/// cause), none while the same kind repeats (a full disk must not flood the log once a tick), and one when a round
/// succeeds again, with how many failed meanwhile. Used from one loop at a time.
/// </summary>
public sealed class FailureLog(ILogger logger, string what)
{
    private string? _kind;
    private int _failures;

    /// <summary>Records a failure; returns how long to wait before the next try: doubling from <paramref name="first"/> with each failure in a row, up to <paramref name="max"/>.</summary>
    public TimeSpan Failed(Exception e, TimeSpan first, TimeSpan max)
    {
        _failures++;
        var retryIn = TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks << Math.Min(_failures - 1, 20)));
        var reason = e is System.Data.Common.DbException or TimeoutException ? StoreErrors.Describe(e) : e.Message;
        var kind = $"{e.GetType().FullName}: {reason}";
        if (kind == _kind)
            return retryIn;
        _kind = kind;
        logger.LogError(e, "{What} failed ({Reason}); retrying in {RetryIn} s, and logging this again only when the failure changes or ends",
            what, reason, Math.Ceiling(retryIn.TotalSeconds));
        return retryIn;
    }

    public void Succeeded()
    {
        if (_kind is null)
            return;
        logger.LogWarning("{What} works again after {Failures} failed attempts", what, _failures);
        _kind = null;
        _failures = 0;
    }
}
