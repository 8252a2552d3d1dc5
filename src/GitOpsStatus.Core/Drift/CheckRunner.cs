using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift;

/// <summary>Checks every target of a plan, at most <see cref="CheckOptions.Parallel"/> at a time; reports come back in target order.</summary>
public static class CheckRunner
{
    public static async Task<IReadOnlyList<StatusReport>> RunAsync(
        CheckPlan plan, CheckOptions options, Action<StatusReport>? onReport = null, CancellationToken cancellationToken = default)
    {
        var checker = new DriftChecker(plan, options);
        using var slots = new SemaphoreSlim(Math.Max(1, options.Parallel));
        var tasks = plan.Targets.Select(async target =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                var report = await checker.CheckAsync(target, cancellationToken);
                onReport?.Invoke(report);
                return report;
            }
            finally
            {
                slots.Release();
            }
        });
        return await Task.WhenAll(tasks);
    }
}
