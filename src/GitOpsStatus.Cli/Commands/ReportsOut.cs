using GitOpsStatus.Cli.Output;
using GitOpsStatus.Core.Delivery;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary>The end of every checking command (ansible, watch), as <c>check</c> does it: print in the chosen format, deliver, pick the exit code.</summary>
internal static class ReportsOut
{
    public static void Print(IReadOnlyList<StatusReport> reports, string format, CliIo io, bool diffs = false)
    {
        if (reports.Count == 0)
            return;
        switch (format)
        {
            case "json":
                JsonOutput.Write(reports, io.Out);
                break;
            case "markers":
                MarkersOutput.Write(reports, io.Out);
                break;
            default:
                TextOutput.Write(reports, io.Out, io.Colour, diffs);
                break;
        }
    }

    /// <summary>Delivers (unless <paramref name="delivery"/> is null: --no-send) and returns check's exit code.</summary>
    public static async Task<int> DeliverAsync(IReadOnlyList<StatusReport> reports, DeliveryOptions? delivery, Spool spool, bool failOnDrift,
        CliIo io, CancellationToken cancellationToken)
    {
        var delivered = delivery is null || await DeliveryOptionSet.DeliverAsync(reports, delivery, spool, io, cancellationToken);
        if (!delivered || reports.Any(r => r.SyncStatus == SyncStatus.Unknown))
            return ExitCodes.Failure;
        return failOnDrift && reports.Any(r => r.SyncStatus == SyncStatus.OutOfSync) ? ExitCodes.Drift : ExitCodes.Ok;
    }
}
