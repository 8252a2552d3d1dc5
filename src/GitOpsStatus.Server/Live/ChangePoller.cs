using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Live;

/// <summary>
/// On PostgreSQL, replicas learn of each other's writes by polling the listing tag (<see cref="IStatusStore.ReadListingTagAsync"/>:
/// the targets' version and the STALE count, the query <c>/status.json</c>'s ETag already runs) every <see cref="Interval"/>,
/// and only while this replica has event streams open. Chosen over LISTEN/NOTIFY: no NOTIFY in the write transaction
/// (PostgreSQL serialises committing transactions that notify on one global queue lock), no dedicated connection
/// to keep and re-open, and it also sees targets going STALE, which no write announces. Writes to other tables (history,
/// the outbox) do not move it.
/// </summary>
public sealed class ChangePoller(IStatusStore store, ChangeFeed feed, TimeProvider clock, ILogger<ChangePoller> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Kind != "postgresql")
            return; // SQLite has one server instance: its own writes signal the feed
        string? last = null;
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (feed.Listeners == 0)
            {
                last = null;
                continue;
            }
            try
            {
                var tag = (await store.ReadListingTagAsync(clock.GetUtcNow(), stoppingToken)).Value;
                if (last is not null && tag != last)
                    feed.Signal();
                last = tag;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is away: the pages' own reads say so; try again next tick.
                logger.LogDebug(e, "Polling for other replicas' changes failed");
            }
        }
    }
}
