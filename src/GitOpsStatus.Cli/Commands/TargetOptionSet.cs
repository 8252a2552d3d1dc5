using System.CommandLine;
using GitOpsStatus.Core.Drift;

namespace GitOpsStatus.Cli.Commands;

/// <summary>The options that say which targets to compare, shared by <c>check</c>, <c>revert</c> and <c>adopt</c>: a config file, or a one-off target.</summary>
internal sealed class TargetOptionSet
{
    public readonly EnvOption<string?> Config = new("--config", "GITOPS_CONFIG", "The config file", "./gitops-status.yaml", "-c");
    public readonly EnvOption<string?> Repo = new("--repo", "GITOPS_REPO", "One-off: the repo name");
    public readonly EnvOption<string?> Server = new("--server", "GITOPS_SERVER", "One-off: the server name");
    public readonly EnvOption<string?> Desired = new("--desired", "GITOPS_DESIRED", "One-off: the directory with the desired files");
    public readonly EnvOption<string?> Actual = new("--actual", "GITOPS_ACTUAL", "One-off: a local directory, or ssh://user@host[:port]/abs/path");
    public readonly EnvOption<bool> Extra = new("--extra", "GITOPS_EXTRA", "One-off: report files under --actual that --desired does not have");
    public readonly EnvOption<string?> SshKey = new("--ssh-key", "GITOPS_SSH_KEY", "One-off: private key file for ssh://");
    public readonly EnvOption<string?> KnownHosts = new("--known-hosts", "GITOPS_KNOWN_HOSTS", "One-off: known_hosts file for ssh://");
    public readonly EnvOption<bool> AcceptNewHostKeys = new("--accept-new-host-keys", "GITOPS_ACCEPT_NEW_HOST_KEYS", "Accept and record keys of hosts not yet in known_hosts (a changed key is always refused)");

    public void AddTo(Command command)
    {
        foreach (var option in (Option[])[Config, Repo, Server, Desired, Actual, Extra, SshKey, KnownHosts, AcceptNewHostKeys])
            command.Options.Add(option);
    }

    public CheckPlan Plan(Settings settings, CliIo io) =>
        new PlanBuilder(settings, io).Build(Config, Repo, Server, Desired, Actual, Extra, SshKey, KnownHosts);
}
