using System.CommandLine;
using GitOpsStatus.Cli.Output;
using GitOpsStatus.Core.Drift;

namespace GitOpsStatus.Cli.Commands;

/// <summary><c>gitops-status check</c>: compare, print, deliver.</summary>
internal sealed class CheckCommand
{
    private readonly EnvOption<string?> config = new("--config", "GITOPS_CONFIG", "The config file", "./gitops-status.yaml", "-c");
    private readonly EnvOption<string?> repo = new("--repo", "GITOPS_REPO", "One-off: the repo name");
    private readonly EnvOption<string?> server = new("--server", "GITOPS_SERVER", "One-off: the server name");
    private readonly EnvOption<string?> desired = new("--desired", "GITOPS_DESIRED", "One-off: the directory with the desired files");
    private readonly EnvOption<string?> actual = new("--actual", "GITOPS_ACTUAL", "One-off: a local directory, or ssh://user@host[:port]/abs/path");
    private readonly EnvOption<bool> extra = new("--extra", "GITOPS_EXTRA", "One-off: report files under --actual that --desired does not have");
    private readonly EnvOption<string?> sshKey = new("--ssh-key", "GITOPS_SSH_KEY", "One-off: private key file for ssh://");
    private readonly EnvOption<string?> knownHosts = new("--known-hosts", "GITOPS_KNOWN_HOSTS", "One-off: known_hosts file for ssh://");
    private readonly EnvOption<bool> acceptNewHostKeys = new("--accept-new-host-keys", "GITOPS_ACCEPT_NEW_HOST_KEYS", "Accept and record keys of hosts not yet in known_hosts (a changed key is always refused)");
    private readonly EnvOption<string?> parallel = new("--parallel", "GITOPS_PARALLEL", "Targets checked at once", "8");
    private readonly EnvOption<string?> maxDiffBytes = new("--max-diff-bytes", "GITOPS_MAX_DIFF_BYTES", "Diffs are cut, with a marker, past this size", "65536");
    private readonly EnvOption<string?> revision = new("--revision", "GITOPS_REVISION", "The desired state's commit", "the repo's git HEAD");
    private readonly EnvOption<string?> source = new("--source", "GITOPS_SOURCE", "Why the check ran: deploy, cron, manual or free text");
    private readonly EnvOption<string?> interval = new("--interval", "GITOPS_INTERVAL", "How often this check runs, e.g. 2m; the server shows STALE after 3 missed runs", "the config's interval");
    private readonly ReportsOutOptionSet output = new("target");
    private readonly DeliveryOptionSet delivery = new();
    private readonly CliIo io;

    private CheckCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new CheckCommand(io);
        var command = new Command("check", "Compare the desired files in git with the files on each target, print the drift and deliver one report per target.\n" +
            ExitCodes.Help + EnvVariable.Help(EnvVariable.Ssh));
        foreach (var option in (Option[])[handler.config, handler.repo, handler.server, handler.desired, handler.actual, handler.extra,
                     handler.sshKey, handler.knownHosts, handler.acceptNewHostKeys, handler.parallel, handler.maxDiffBytes,
                     handler.revision, handler.source, handler.interval])
            command.Options.Add(option);
        handler.output.AddTo(command);
        handler.delivery.AddTo(command);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var outputFormat = output.OutputFormat(settings);
        var plan = new PlanBuilder(settings, io).Build(config, repo, server, desired, actual, extra, sshKey, knownHosts);
        var deliveryOptions = output.Send(settings) ? delivery.Resolve(settings, io, plan.Url) : null;
        var options = new CheckOptions
        {
            Parallel = settings.Int(parallel, 1, 1024) ?? 8,
            MaxDiffBytes = settings.Int(maxDiffBytes, 256, 16 * 1024 * 1024) ?? plan.MaxDiffBytes ?? CheckOptions.DefaultMaxDiffBytes,
            AcceptNewHostKeys = settings.Flag(acceptNewHostKeys),
            Revision = settings.String(revision),
            Source = settings.String(source),
            IntervalSeconds = settings.Duration(interval) is { } every ? Math.Max(1, (long)every.TotalSeconds) : null,
            SshProgram = EnvVariable.Ssh.Read(io),
        };

        using var progress = new ProgressLine(io, plan.Targets.Count);
        var reports = await CheckRunner.RunAsync(plan, options, _ => progress.Advance(), cancellationToken);
        progress.Dispose();
        ReportsOut.Print(reports, outputFormat, io, output.Diffs(settings, outputFormat));
        return await ReportsOut.DeliverAsync(reports, deliveryOptions, delivery.Spool(settings, io),
            output.FailsOnDrift(settings), io, cancellationToken);
    }
}
