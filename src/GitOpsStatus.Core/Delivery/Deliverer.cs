using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Delivery;

/// <summary>What happened to the spool and the new reports in one run.</summary>
public sealed record DeliverySummary(int Delivered, int SpoolDelivered, int Spooled, int Rejected)
{
    /// <summary>Anything spooled or refused means the run failed (exit code 1).</summary>
    public bool Failed => Spooled > 0 || Rejected > 0;
}

/// <summary>
/// Sends spooled reports first, oldest first, then the new ones; when the server cannot be reached, everything not yet
/// delivered is spooled in order. A report is removed from the spool only after the server answered 2xx, and the
/// server treats a repost as a no-op, so nothing is lost and nothing is stored twice.
/// </summary>
public sealed class Deliverer(ReportSender sender, Spool spool, TextWriter log)
{
    public static TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(2);

    public async Task<DeliverySummary> DeliverAsync(IReadOnlyList<StatusReport> reports, CancellationToken cancellationToken)
    {
        using var held = await spool.LockAsync(LockTimeout, cancellationToken);
        int delivered = 0, fromSpool = 0, spooled = 0, rejected = 0;
        var reachable = true;
        foreach (var file in spool.Pending())
        {
            var result = await sender.SendAsync(await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
            if (result.Outcome == SendOutcome.Unreachable)
            {
                log.WriteLine($"gitops-status: the server is unreachable ({result.Detail}); {spool.Pending().Count} spooled report(s) wait in {spool.Directory}");
                reachable = false;
                break;
            }
            if (result.Outcome == SendOutcome.Delivered)
            {
                File.Delete(file);
                fromSpool++;
                log.WriteLine($"gitops-status: delivered spooled report {Path.GetFileName(file)} ({result.Detail})");
            }
            else
            {
                rejected++;
                log.WriteLine($"gitops-status: the server refused spooled report {Path.GetFileName(file)}, moved to {spool.Reject(file)}: {result.Detail}");
            }
        }

        foreach (var report in reports)
        {
            var json = ReportJson.Utf8(report);
            var label = $"{report.Repo}/{report.Server}";
            var result = reachable ? await sender.SendAsync(json, cancellationToken) : new SendResult(SendOutcome.Unreachable, "the server was unreachable earlier in this run");
            switch (result.Outcome)
            {
                case SendOutcome.Delivered:
                    delivered++;
                    log.WriteLine($"gitops-status: delivered {label} ({result.Detail})");
                    break;
                case SendOutcome.Rejected:
                    rejected++;
                    log.WriteLine($"gitops-status: the server refused the report for {label}: {result.Detail}");
                    break;
                default:
                    reachable = false;
                    spooled++;
                    log.WriteLine($"gitops-status: could not deliver {label} ({result.Detail}); spooled to {spool.Add(json)}, it will be sent first on the next run");
                    break;
            }
        }
        return new DeliverySummary(delivered, fromSpool, spooled, rejected);
    }
}
