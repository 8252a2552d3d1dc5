using System.CommandLine;
using GitOpsStatus.Cli.Output;
using GitOpsStatus.Core.Drift;

namespace GitOpsStatus.Cli.Commands;

/// <summary><c>gitops-status revert</c>: put the repo's files back on the targets, then check again and deliver that report.</summary>
internal sealed class RevertCommand
{
    private readonly FixRun run = new("revert");
    private readonly Option<bool> includeSensitive = new("--include-sensitive") { Description = "Also restore sensitive files (*.key, *shadow*… or sensitive: true); refused without it" };
    private readonly ReportsOutOptionSet output = new("target");
    private readonly DeliveryOptionSet delivery = new();
    private readonly CliIo io;

    private RevertCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new RevertCommand(io);
        var command = new Command("revert", "Restore the drifted files of each target from git: modified files are overwritten (a copy is kept beside each, " +
            "named <file>.gitops-status-backup-<UTC time>), missing ones recreated, modes and owners set as the config wants. Extra files are never deleted, " +
            "sensitive ones only with --include-sensitive, and a path that leads outside its mapped directory through a symlink is not followed. " +
            "Prints the plan and changes nothing without --yes (exit code 2); with it, checks again and delivers that report with source \"revert\".\n" +
            ExitCodes.Help + EnvVariable.Help(EnvVariable.Ssh, EnvVariable.SshTimeout));
        handler.run.AddTo(command);
        command.Options.Add(handler.includeSensitive);
        handler.output.AddTo(command);
        handler.delivery.AddTo(command);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var outputFormat = output.OutputFormat(settings);
        var diffs = output.Diffs(settings, outputFormat);
        var plan = run.Plan(settings, io);
        var yes = parse.GetValue(run.Yes);
        // Settled before anything changes: a missing URL must not leave reverted files and no report.
        var deliveryOptions = yes && output.Send(settings) ? delivery.Resolve(settings, io, plan.Url) : null;
        var options = new CheckOptions
        {
            AcceptNewHostKeys = settings.Flag(run.Targets.AcceptNewHostKeys),
            Source = "revert",
            IntervalSeconds = plan.IntervalSeconds,
            MaxDiffBytes = plan.MaxDiffBytes ?? CheckOptions.DefaultMaxDiffBytes,
            SshProgram = EnvVariable.Ssh.Read(io),
            SilenceTimeout = EnvVariable.SshTimeout.ReadDuration(io),
        };

        var planOut = outputFormat == "text" ? io.Out : io.Err;
        var outcome = await run.RunAsync(plan, options, adopt: false, parse.GetValue(includeSensitive), yes, planOut, io, cancellationToken);
        if (!yes)
            return run.WithoutYes(outcome, io) ?? ExitCodes.Ok;

        var reports = await CheckRunner.RunAsync(plan, options, cancellationToken: cancellationToken);
        ReportsOut.Print(reports, outputFormat, io, diffs);
        var code = await ReportsOut.DeliverAsync(reports, deliveryOptions, delivery.Spool(settings, io), output.FailsOnDrift(settings), io, cancellationToken);
        return outcome.Failed ? ExitCodes.Failure : code;
    }
}
