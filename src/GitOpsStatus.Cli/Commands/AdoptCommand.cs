using System.CommandLine;
using GitOpsStatus.Core.Drift;

namespace GitOpsStatus.Cli.Commands;

/// <summary><c>gitops-status adopt</c>: copy the hosts' versions of drifted files into the repo's working tree, for the team to review and commit.</summary>
internal sealed class AdoptCommand
{
    private readonly FixRun run = new("adopt");
    private readonly CliIo io;

    private AdoptCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new AdoptCommand(io);
        var command = new Command("adopt", "Write the host's version of each modified file into the repo's working tree at its repo path " +
            "(no commit, no push: review it with git diff). Never for sensitive files, nor through a symlink leading outside the mapped directory; " +
            "missing, extra and mode/owner-only drift is listed and left alone. Prints the plan and changes nothing without --yes.\n" +
            "Exit codes: 0 written (or nothing to adopt); 1 failure (bad config, a target unreadable, a file not written); 2 usage error, or --yes missing." +
            EnvVariable.Help(EnvVariable.Ssh, EnvVariable.SshTimeout));
        handler.run.AddTo(command);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var plan = run.Plan(settings, io);
        var yes = parse.GetValue(run.Yes);
        var options = new CheckOptions
        {
            AcceptNewHostKeys = settings.Flag(run.Targets.AcceptNewHostKeys),
            SshProgram = EnvVariable.Ssh.Read(io),
            SilenceTimeout = EnvVariable.SshTimeout.ReadDuration(io),
        };

        var outcome = await run.RunAsync(plan, options, adopt: true, includeSensitive: false, yes, io.Out, io, cancellationToken);
        if (!yes)
            return run.WithoutYes(outcome, io) ?? ExitCodes.Ok;
        if (outcome.Done > 0)
            io.Out.WriteLine($"adopt: wrote {outcome.Done} file(s) into the working tree; review them with git diff, then commit.");
        return outcome.Failed ? ExitCodes.Failure : ExitCodes.Ok;
    }
}
