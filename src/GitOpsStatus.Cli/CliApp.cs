using System.CommandLine;
using GitOpsStatus.Cli.Commands;
using GitOpsStatus.Core.Drift.Config;

namespace GitOpsStatus.Cli;

/// <summary>Builds the command tree, runs one command, and turns mistakes into one sentence and an exit code.</summary>
public static class CliApp
{
    /// <summary>The command tree: every command with its options, as <c>--help</c> shows them.</summary>
    internal static RootCommand Commands(CliIo io)
    {
        var root = new RootCommand("Checks that servers still match the config files in git, and reports drift to a gitops-status server.\n" + ExitCodes.Help)
        {
            CheckCommand.Create(io),
            PushCommand.Create(io),
            AnsibleCommand.Create(io),
            WatchCommand.Create(io),
            AckCommand.Create(io),
            RevertCommand.Create(io),
            AdoptCommand.Create(io),
        };
        foreach (var version in root.Options.OfType<VersionOption>())
            version.Action = new VersionLine();
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliIo io, CancellationToken cancellationToken = default)
    {
        var parse = Commands(io).Parse(args);
        if (parse.Errors.Count > 0)
        {
            io.Err.WriteLine($"gitops-status: {parse.Errors[0].Message.TrimEnd('.')}. Run 'gitops-status --help' for usage.");
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = io.Out, Error = io.Err, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (UsageException e)
        {
            io.Err.WriteLine($"gitops-status: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (ConfigException e)
        {
            io.Err.WriteLine($"gitops-status: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            io.Err.WriteLine("gitops-status: cancelled.");
            return ExitCodes.Failure;
        }
    }
}
