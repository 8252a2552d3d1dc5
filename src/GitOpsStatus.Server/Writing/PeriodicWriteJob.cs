using System.Data.Common;

namespace GitOpsStatus.Server.Writing;

/// <summary>
/// A background round of store writes every <c>GITOPS_SWEEP_INTERVAL</c> (the stale sweep, history
/// pruning). A failed round is logged and tried again at the next tick; shutdown ends the loop.
/// </summary>
public abstract class PeriodicWriteJob(TimeSpan every, ILogger logger) : BackgroundService
{
    /// <summary>What the round does, for the log line when it fails.</summary>
    protected abstract string Name { get; }

    protected abstract Task RunRoundAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(every);
        do
        {
            try
            {
                await RunRoundAsync(stoppingToken);
            }
            catch (ShuttingDownException)
            {
                return;
            }
            catch (DbException e)
            {
                logger.LogError(e, "{Job} failed; it runs again at the next interval", Name);
            }
        }
        while (await NextTickAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
