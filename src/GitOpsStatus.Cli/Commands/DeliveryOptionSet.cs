using System.CommandLine;
using GitOpsStatus.Core.Delivery;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary>The options every command that sends reports shares: server, token, spool, retries.</summary>
internal sealed class DeliveryOptionSet
{
    public readonly Option<string?> Url = new("--url") { Description = "Status server base URL; reports go to <url>/api/status [env: GITOPS_URL]" };
    public readonly Option<string?> Token = new("--token") { Description = "Bearer token for the server [env: GITOPS_TOKEN]" };
    public readonly Option<string?> SpoolDir = new("--spool-dir") { Description = "Where undeliverable reports wait for the next run [env: GITOPS_SPOOL_DIR; default $XDG_STATE_HOME/gitops-status/spool or ~/.local/state/gitops-status/spool]" };
    public readonly Option<string?> Retries = new("--retries") { Description = "Retries per report, with exponential backoff and jitter [env: GITOPS_RETRIES; default 4]" };
    public readonly Option<string?> RetryDelay = new("--retry-delay") { Description = "First backoff delay, e.g. 1s or 200ms [env: GITOPS_RETRY_DELAY; default 1s]" };

    public void AddTo(Command command)
    {
        command.Options.Add(Url);
        command.Options.Add(Token);
        command.Options.Add(SpoolDir);
        command.Options.Add(Retries);
        command.Options.Add(RetryDelay);
    }

    /// <summary>The delivery settings, or a usage error when no server URL is known.</summary>
    public DeliveryOptions Resolve(Settings settings, CliIo io, string? configUrl)
    {
        var url = settings.String(Url, "GITOPS_URL") ?? configUrl
            ?? throw new UsageException("No status server URL: pass --url, set GITOPS_URL or add url: to gitops-status.yaml (or pass --no-send to check only).");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UsageException($"The server URL \"{url}\" is not an http:// or https:// URL.");
        return new DeliveryOptions
        {
            Url = uri,
            Token = settings.String(Token, "GITOPS_TOKEN"),
            Retries = settings.Int(Retries, "GITOPS_RETRIES", 0, 20) ?? 4,
            RetryDelay = settings.Duration(RetryDelay, "GITOPS_RETRY_DELAY") ?? TimeSpan.FromSeconds(1),
        };
    }

    public Spool Spool(Settings settings, CliIo io) =>
        new(settings.String(SpoolDir, "GITOPS_SPOOL_DIR") is { } dir ? Path.GetFullPath(dir, io.CurrentDirectory) : Core.Delivery.Spool.DefaultDirectory(io.Env));

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
