using System.CommandLine;
using GitOpsStatus.Core.Ansible;
using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary><c>gitops-status ansible PLAYBOOK -i INVENTORY --repo NAME [-- ansible args]</c>: Ansible's check mode as the drift check.</summary>
internal sealed class AnsibleCommand
{
    private readonly Argument<string?> playbook = new("PLAYBOOK") { Description = "The playbook to run with --check --diff (not with --from)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Argument<string[]> extraArgs = new("ANSIBLE_ARGS") { Description = "After --: more ansible-playbook arguments, e.g. -- --limit lab -e x=1", Arity = ArgumentArity.ZeroOrMore };
    private readonly EnvOption<string?> inventory = new("--inventory", "GITOPS_ANSIBLE_INVENTORY", "The inventory, as for ansible-playbook", null, "-i");
    private readonly Option<string?> from = new("--from") { Description = "Read a saved output of ansible-playbook --check --diff with ANSIBLE_STDOUT_CALLBACK=ansible.posix.json instead of running it" };
    private readonly AnsibleOptionSet shared = new();
    private readonly ReportsOutOptionSet output = new("host");
    private readonly DeliveryOptionSet delivery = new();
    private readonly CliIo io;

    private AnsibleCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new AnsibleCommand(io);
        var command = new Command("ansible", "Run ansible-playbook --check --diff (changes nothing) and deliver one report per host: every changed file task " +
            "is a drifted file with its diff, a failed or unreachable host is UNKNOWN.\n" + ExitCodes.Help + EnvVariable.Help(EnvVariable.AnsiblePlaybook));
        command.Arguments.Add(handler.playbook);
        command.Arguments.Add(handler.extraArgs);
        command.Options.Add(handler.inventory);
        command.Options.Add(handler.from);
        handler.output.AddTo(command);
        handler.shared.AddTo(command);
        handler.delivery.AddTo(command);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var outputFormat = output.OutputFormat(settings);
        var job = shared.Job(settings, io, parse.GetValue(playbook), settings.String(inventory),
            parse.GetValue(extraArgs) ?? [], parse.GetValue(from), intervalSeconds: null);
        var deliveryOptions = output.Send(settings) ? delivery.Resolve(settings, io, configUrl: null) : null;

        IReadOnlyList<StatusReport> reports;
        try
        {
            reports = await AnsibleCheck.RunAsync(job, cancellationToken);
        }
        catch (Exception e) when (e is TargetUnavailableException or FormatException or IOException)
        {
            io.Err.WriteLine($"gitops-status: {e.Message}");
            return ExitCodes.Failure;
        }
        ReportsOut.Print(reports, outputFormat, io, output.Diffs(settings, outputFormat));
        return await ReportsOut.DeliverAsync(reports, deliveryOptions, delivery.Spool(settings, io), output.FailsOnDrift(settings), io, cancellationToken);
    }
}
