using System.CommandLine;
using GitOpsStatus.Core.Delivery;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary>The options every command that sends reports shares: server, token, spool, retries.</summary>
internal sealed class DeliveryOptionSet
{
    public readonly EnvOption<string?> Url = new("--url", "GITOPS_URL", "Status server base URL; reports go to <url>/api/status");
    public readonly EnvOption<string?> Token = new("--token", "GITOPS_TOKEN", "Bearer token for the server");
    public readonly EnvOption<string?> SpoolDir = new("--spool-dir", "GITOPS_SPOOL_DIR", "Where undeliverable reports wait for the next run", "$XDG_STATE_HOME/gitops-status/spool or ~/.local/state/gitops-status/spool");
    public readonly EnvOption<string?> Retries = new("--retries", "GITOPS_RETRIES", "Retries per report, with exponential backoff and jitter", "4");
    public readonly EnvOption<string?> RetryDelay = new("--retry-delay", "GITOPS_RETRY_DELAY", "First backoff delay, e.g. 1s or 200ms", "1s");
    public readonly EnvOption<string?> Timeout = new("--timeout", "GITOPS_TIMEOUT", "Time limit of each attempt to deliver a report, e.g. 15s", "15s");

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(Token);
        command.Options.Add(SpoolDir);
        command.Options.Add(Retries);
        command.Options.Add(RetryDelay);
        command.Options.Add(Timeout);
    }

    /// <summary>The delivery settings, or a usage error when no server URL is known.</summary>
    public DeliveryOptions Resolve(Settings settings, CliIo io, string? configUrl)
    {
        var url = settings.String(Url) ?? configUrl
            ?? throw new UsageException($"No status server URL: pass --url, set {Url.Env} or add url: to gitops-status.yaml (or pass --no-send to check only).");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UsageException($"The server URL \"{url}\" is not an http:// or https:// URL.");
        return new DeliveryOptions
        {
            Url = uri,
            Token = settings.String(Token),
            Retries = settings.Int(Retries, 0, 20) ?? 4,
            RetryDelay = settings.Duration(RetryDelay) ?? TimeSpan.FromSeconds(1),
            Timeout = settings.Duration(Timeout) ?? TimeSpan.FromSeconds(15),
        };
    }

    public Spool Spool(Settings settings, CliIo io) =>
        new(settings.String(SpoolDir) is { } dir ? Path.GetFullPath(dir, io.CurrentDirectory) : Core.Delivery.Spool.DefaultDirectory(io.Env));

    /// <summary>Validates, then delivers (spool first). Returns true when every report reached the server.</summary>
    public static async Task<bool> DeliverAsync(IReadOnlyList<StatusReport> reports, DeliveryOptions options, Spool spool, CliIo io, CancellationToken cancellationToken)
    {
        var valid = new List<StatusReport>();
        foreach (var report in reports)
        {
            var errors = ReportValidator.Validate(report, DateTimeOffset.UtcNow);
            if (errors.Count == 0)
                valid.Add(report);
            else
                io.Err.WriteLine($"gitops-status: not sending the report for {report.Repo}/{report.Server}: {string.Join("; ", errors.Select(e => $"{e.Field} {e.Message}"))}.");
        }
        using var sender = new ReportSender(options);
        var summary = await new Deliverer(sender, spool, io.Err).DeliverAsync(valid, cancellationToken);
        return !summary.Failed && valid.Count == reports.Count;
    }
}
