using System.CommandLine;
using GitOpsStatus.Cli.Output;
using GitOpsStatus.Core.Drift;

namespace GitOpsStatus.Cli.Commands;

/// <summary><c>gitops-status check</c>: compare, print, deliver.</summary>
internal sealed class CheckCommand
{
    private readonly Option<string?> config = new("--config", "-c") { Description = "The config file [env: GITOPS_CONFIG; default ./gitops-status.yaml]" };
    private readonly Option<string?> repo = new("--repo") { Description = "One-off: the repo name [env: GITOPS_REPO]" };
    private readonly Option<string?> server = new("--server") { Description = "One-off: the server name [env: GITOPS_SERVER]" };
    private readonly Option<string?> desired = new("--desired") { Description = "One-off: the directory with the desired files" };
    private readonly Option<string?> actual = new("--actual") { Description = "One-off: a local directory, or ssh://user@host[:port]/abs/path" };
    private readonly Option<bool> extra = new("--extra") { Description = "One-off: report files under --actual that --desired does not have" };
    private readonly Option<string?> sshKey = new("--ssh-key") { Description = "One-off: private key file for ssh:// [env: GITOPS_SSH_KEY]" };
    private readonly Option<string?> knownHosts = new("--known-hosts") { Description = "One-off: known_hosts file for ssh:// [env: GITOPS_KNOWN_HOSTS]" };
    private readonly Option<bool> acceptNewHostKeys = new("--accept-new-host-keys") { Description = "Accept and record keys of hosts not yet in known_hosts (a changed key is always refused) [env: GITOPS_ACCEPT_NEW_HOST_KEYS]" };
    private readonly Option<string?> parallel = new("--parallel") { Description = "Targets checked at once [env: GITOPS_PARALLEL; default 8]" };
    private readonly Option<string?> maxDiffBytes = new("--max-diff-bytes") { Description = "Diffs are cut, with a marker, past this size [env: GITOPS_MAX_DIFF_BYTES; default 65536]" };
    private readonly Option<string?> revision = new("--revision") { Description = "The desired state's commit [env: GITOPS_REVISION; default the repo's git HEAD]" };
    private readonly Option<string?> source = new("--source") { Description = "Why the check ran: deploy, cron, manual or free text [env: GITOPS_SOURCE]" };
    private readonly Option<string?> interval = new("--interval") { Description = "How often this check runs, e.g. 2m; the server shows STALE after 3 missed runs [env: GITOPS_INTERVAL; default the config's interval]" };
    private readonly ReportsOutOptionSet output = new("target");
    private readonly DeliveryOptionSet delivery = new();
    private readonly CliIo io;

    private CheckCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new CheckCommand(io);
        var command = new Command("check", "Compare the desired files in git with the files on each target, print the drift and deliver one report per target.\n" + ExitCodes.Help);
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
            Parallel = settings.Int(parallel, "GITOPS_PARALLEL", 1, 1024) ?? 8,
            MaxDiffBytes = settings.Int(maxDiffBytes, "GITOPS_MAX_DIFF_BYTES", 256, 16 * 1024 * 1024) ?? plan.MaxDiffBytes ?? CheckOptions.DefaultMaxDiffBytes,
            AcceptNewHostKeys = settings.Flag(acceptNewHostKeys, "GITOPS_ACCEPT_NEW_HOST_KEYS"),
            Revision = settings.String(revision, "GITOPS_REVISION"),
            Source = settings.String(source, "GITOPS_SOURCE"),
            IntervalSeconds = settings.Duration(interval, "GITOPS_INTERVAL") is { } every ? Math.Max(1, (long)every.TotalSeconds) : null,
            SshProgram = io.Env("GITOPS_SSH") is { Length: > 0 } ssh ? ssh : "ssh",
        };

        using var progress = new ProgressLine(io, plan.Targets.Count);
        var reports = await CheckRunner.RunAsync(plan, options, _ => progress.Advance(), cancellationToken);
        progress.Dispose();
        ReportsOut.Print(reports, outputFormat, io, output.Diffs(settings, outputFormat));
        return await ReportsOut.DeliverAsync(reports, deliveryOptions, delivery.Spool(settings, io),
            output.FailsOnDrift(settings), io, cancellationToken);
    }
}
