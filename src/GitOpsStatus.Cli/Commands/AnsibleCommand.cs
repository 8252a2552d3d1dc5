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
    private readonly Option<string?> inventory = new("--inventory", "-i") { Description = "The inventory, as for ansible-playbook [env: GITOPS_ANSIBLE_INVENTORY]" };
    private readonly Option<string?> from = new("--from") { Description = "Read a saved output of ansible-playbook --check --diff with ANSIBLE_STDOUT_CALLBACK=ansible.posix.json instead of running it" };
    private readonly AnsibleOptionSet shared = new();
    private readonly Option<string?> format = new("--format") { Description = "text, json (the reports) or markers (DRIFTED_FILES=/SYNC_STATUS= lines) [env: GITOPS_FORMAT; default text]" };
    private readonly Option<bool> failOnDrift = new("--fail-on-drift") { Description = "Exit with 3 when a host is OUT_OF_SYNC [env: GITOPS_FAIL_ON_DRIFT]" };
    private readonly Option<bool> noSend = new("--no-send") { Description = "Check and print only; do not deliver [env: GITOPS_NO_SEND]" };
    private readonly DeliveryOptionSet delivery = new();
    private readonly CliIo io;

    private AnsibleCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new AnsibleCommand(io);
        var command = new Command("ansible", "Run ansible-playbook --check --diff (changes nothing) and deliver one report per host: every changed file task " +
            "is a drifted file with its diff, a failed or unreachable host is UNKNOWN.\n" + ExitCodes.Help);
        command.Arguments.Add(handler.playbook);
        command.Arguments.Add(handler.extraArgs);
        foreach (var option in (Option[])[handler.inventory, handler.from, handler.format, handler.failOnDrift, handler.noSend])
            command.Options.Add(option);
        handler.shared.AddTo(command);
        handler.delivery.AddTo(command);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var outputFormat = ReportsOut.Format(settings, format);
        var job = shared.Job(settings, io, parse.GetValue(playbook), settings.String(inventory, "GITOPS_ANSIBLE_INVENTORY"),
            parse.GetValue(extraArgs) ?? [], parse.GetValue(from), intervalSeconds: null);
        var send = !settings.Flag(noSend, "GITOPS_NO_SEND");
        var deliveryOptions = send ? delivery.Resolve(settings, io, configUrl: null) : null;

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
        ReportsOut.Print(reports, outputFormat, io);
        return await ReportsOut.DeliverAsync(reports, deliveryOptions, delivery.Spool(settings, io), settings.Flag(failOnDrift, "GITOPS_FAIL_ON_DRIFT"), io, cancellationToken);
    }
}
