using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Writing;

namespace GitOpsStatus.Server.History;

/// <summary>
/// Deletes history older than <c>GITOPS_HISTORY_DAYS</c>, every <c>GITOPS_SWEEP_INTERVAL</c>, in batches
/// of <see cref="BatchSize"/> events. Each batch is a job on the single writer thread (not a second
/// connection): SQLite allows one writer, and a job between two report batches holds the write lock for
/// a few milliseconds, where a second connection deleting a year of history at once would make every
/// report wait behind it (or fail with SQLITE_BUSY).
/// </summary>
public sealed class HistoryPruner(GroupCommitWriter writer, ServerOptions options, TimeProvider clock, ILogger<HistoryPruner> logger)
    : PeriodicWriteJob(options.SweepInterval, logger)
{
    public const int BatchSize = 500;

    protected override string Name => "Pruning history";

    protected override Task RunRoundAsync(CancellationToken cancellationToken) => RunOnceAsync(cancellationToken);

    /// <summary>Prunes until nothing is older than the retention; returns how many rows went.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            var cutoff = clock.GetUtcNow() - TimeSpan.FromDays(options.HistoryDays);
            deleted = await writer.RunAsync(store => store.PruneHistory(cutoff, BatchSize));
            total += deleted;
        }
        while (deleted >= BatchSize && !cancellationToken.IsCancellationRequested);
        return total;
    }
}

public static class HistoryServices
{
    public static IServiceCollection AddHistoryPruning(this IServiceCollection services)
    {
        services.AddSingleton<HistoryPruner>();
        services.AddHostedService(s => s.GetRequiredService<HistoryPruner>());
        return services;
    }
}
