namespace GitOpsStatus.Server.Live;

/// <summary>
/// "Something the dashboard shows has changed": a version number that only grows, and a wait for it to move. Every
/// open event stream reads the same counter, so a burst of reports costs each stream one wake-up and no queue grows per
/// client. Signalled by this replica's writes (<see cref="Signal"/>) and, on PostgreSQL, by <see cref="ChangePoller"/>
/// for other replicas' writes. Thread-safe; counts the open streams for their cap (<c>GITOPS_MAX_EVENT_STREAMS</c>).
/// </summary>
public sealed class ChangeFeed
{
    private long _version;
    private int _listeners;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Version => Interlocked.Read(ref _version);

    /// <summary>Open event streams.</summary>
    public int Listeners => Volatile.Read(ref _listeners);

    public void Signal()
    {
        Interlocked.Increment(ref _version);
        // Only an open stream waits on the task: with none, a report costs one increment, not a new task (and a stream
        // opening now reads the version after this increment, as TryOpen's increment comes before its WaitAsync).
        if (Volatile.Read(ref _listeners) > 0)
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>True once <see cref="Version"/> differs from <paramref name="seen"/>; false after <paramref name="timeout"/> or when cancelled.</summary>
    public async Task<bool> WaitAsync(long seen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The task is read before the version: a Signal in between completes the task this wait holds.
        var changed = Volatile.Read(ref _changed).Task;
        if (Version != seen)
            return true;
        try
        {
            await changed.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Takes a stream slot, or returns null when <paramref name="max"/> are open; disposing the lease gives it back once.</summary>
    public IDisposable? TryOpen(int max)
    {
        if (Interlocked.Increment(ref _listeners) <= max)
            return new Lease(this);
        Interlocked.Decrement(ref _listeners);
        return null;
    }

    private sealed class Lease(ChangeFeed feed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Interlocked.Decrement(ref feed._listeners);
        }
    }
}
