using System.CommandLine;
using GitOpsStatus.Cli.Output;
using GitOpsStatus.Core.Drift;

namespace GitOpsStatus.Cli.Commands;

/// <summary><c>gitops-status check</c>: compare, print, deliver.</summary>
internal sealed class CheckCommand
{
    private readonly TargetOptionSet targets = new();
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
            ExitCodes.Help + EnvVariable.Help(EnvVariable.Ssh, EnvVariable.SshTimeout));
        handler.targets.AddTo(command);
        foreach (var option in (Option[])[handler.parallel, handler.maxDiffBytes, handler.revision, handler.source, handler.interval])
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
        var plan = targets.Plan(settings, io);
        var deliveryOptions = output.Send(settings) ? delivery.Resolve(settings, io, plan.Url) : null;
        var options = new CheckOptions
        {
            Parallel = settings.Int(parallel, 1, 1024) ?? 8,
            MaxDiffBytes = settings.Int(maxDiffBytes, 256, 16 * 1024 * 1024) ?? plan.MaxDiffBytes ?? CheckOptions.DefaultMaxDiffBytes,
            AcceptNewHostKeys = settings.Flag(targets.AcceptNewHostKeys),
            Revision = settings.String(revision),
            Source = settings.String(source),
            IntervalSeconds = settings.Duration(interval) is { } every ? Math.Max(1, (long)every.TotalSeconds) : null,
            SshProgram = EnvVariable.Ssh.Read(io),
            SilenceTimeout = EnvVariable.SshTimeout.ReadDuration(io),
        };

        using var progress = new ProgressLine(io, plan.Targets.Count);
        var reports = await CheckRunner.RunAsync(plan, options, _ => progress.Advance(), cancellationToken);
        progress.Dispose();
        ReportsOut.Print(reports, outputFormat, io, output.Diffs(settings, outputFormat));
        return await ReportsOut.DeliverAsync(reports, deliveryOptions, delivery.Spool(settings, io),
            output.FailsOnDrift(settings), io, cancellationToken);
    }
}
