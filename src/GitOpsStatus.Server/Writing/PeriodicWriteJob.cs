namespace GitOpsStatus.Server.Writing;

/// <summary>
/// A background round of store writes every <c>GITOPS_SWEEP_INTERVAL</c> (the stale sweep, history pruning). Whatever
/// a round throws (a locked or full database, a lost connection, a row it cannot read), the job survives: it logs the
/// failure once per kind, waits longer after each failure in a row (up to <see cref="MaxBackoff"/>), and tries again;
/// the writer marks the server not ready while storage fails. Only shutdown ends the loop.
/// </summary>
public abstract class PeriodicWriteJob(TimeSpan every, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    // The longest wait Task.Delay takes (~49.7 days): a longer GITOPS_SWEEP_INTERVAL (60d) threw there and stopped the host.
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>What the round does, for the log line when it fails.</summary>
    protected abstract string Name { get; }

    protected abstract Task RunRoundAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = new FailureLog(logger, Name);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = every;
            try
            {
                await RunRoundAsync(stoppingToken);
                failures.Succeeded();
            }
            catch (ShuttingDownException)
            {
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = failures.Failed(e, every, TimeSpan.FromTicks(Math.Max(every.Ticks, MaxBackoff.Ticks)));
            }
            try
            {
                await Task.Delay(wait < MaxDelay ? wait : MaxDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
