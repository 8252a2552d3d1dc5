using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Writing;

namespace GitOpsStatus.Server.Notifications;

/// <summary>
/// Every <c>GITOPS_SWEEP_INTERVAL</c>: marks targets that went STALE (a history event and a
/// notification each, once), ends the acknowledgements whose <c>until</c> passed (one notification each), announces debounced changes once due and settles flapping targets, and queues reminders when <c>GITOPS_REMIND_AFTER</c> is set. STALE is
/// still derived at read time; the sweep only makes sure it is announced even when nobody reads.
/// Time comes from the injected <see cref="TimeProvider"/>, so tests move it by hand.
/// </summary>
public sealed class StaleSweep(GroupCommitWriter writer, ServerOptions options, TimeProvider clock, ILogger<StaleSweep> logger)
    : PeriodicWriteJob(options.SweepInterval, logger)
{
    private const int BatchSize = 500;

    protected override string Name => "The stale sweep";

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => RunOnceAsync();

    /// <summary>One sweep, in batches of <see cref="BatchSize"/> (each its own short write).</summary>
    public async Task RunOnceAsync()
    {
        while (await writer.RunAsync(store => store.SweepStale(clock.GetUtcNow(), BatchSize)) == BatchSize)
        {
        }
        while (await writer.RunAsync(store => store.SweepAcknowledgements(clock.GetUtcNow(), BatchSize)) == BatchSize)
        {
        }
        while (await writer.RunAsync(store => store.SweepNotices(clock.GetUtcNow(), BatchSize)) == BatchSize)
        {
        }
        if (options.RemindAfter is { } every && options.WebhookUrls.Count > 0)
        {
            while (await writer.RunAsync(store => store.QueueReminders(clock.GetUtcNow(), every, BatchSize)) == BatchSize)
            {
            }
        }
    }
}
