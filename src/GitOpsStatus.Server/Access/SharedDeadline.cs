namespace GitOpsStatus.Server.Access;

/// <summary>
/// <c>GITOPS_REQUEST_TIMEOUT</c> for the report route, which the routing middleware answers ahead of the timeout
/// middleware. Its token is shared by every request that starts within the same second, so the route arms one timer
/// a second instead of a linked token source and a timer per request (the timeout middleware's cost was 3.7 % of
/// reports/s at 16 connections, bench/ingest/ab.sh); a request is cut off between the timeout and a second after it.
/// </summary>
public sealed class SharedDeadline(TimeSpan timeout)
{
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);
    // A timer's longest delay (about 49 days): a longer timeout is as good as none.
    private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(Math.Min((timeout + Slice).TotalMilliseconds, uint.MaxValue - 1.0));

    // One immutable pair, swapped whole: a reader never pairs an old, perhaps long cancelled, token with a fresh end.
    private sealed record Window(CancellationTokenSource Source, long EndsAt);

    private Window? _window;

    /// <summary>A token cancelled once the timeout has passed, counted from about now.</summary>
    public CancellationToken Next()
    {
        var now = Environment.TickCount64;
        var window = Volatile.Read(ref _window);
        if (window is not null && now < window.EndsAt)
            return window.Source.Token;
        // Two requests may both open a window at a slice's edge: the loser's token is as good, and its timer fires
        // and frees itself like the others (a source cancelled by its timer holds nothing once it has fired).
        var fresh = new Window(new CancellationTokenSource(_delay), now + (long)Slice.TotalMilliseconds);
        Volatile.Write(ref _window, fresh);
        return fresh.Source.Token;
    }
}
