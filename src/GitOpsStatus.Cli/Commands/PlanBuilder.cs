using System.CommandLine;
using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Drift.Config;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary>The check plan: from <c>gitops-status.yaml</c>, or from the one-off flags (<c>--desired</c>, <c>--actual</c>).</summary>
internal sealed class PlanBuilder(Settings settings, CliIo io)
{
    public CheckPlan Build(EnvOption<string?> config, EnvOption<string?> repo, EnvOption<string?> server, EnvOption<string?> desired,
        EnvOption<string?> actual, EnvOption<bool> extra, EnvOption<string?> sshKey, EnvOption<string?> knownHosts)
    {
        var desiredDir = settings.String(desired);
        var configFile = settings.String(config);
        if (desiredDir is not null && configFile is not null)
            throw new UsageException("Pass either --config or --desired (a one-off check), not both.");
        if (desiredDir is null)
        {
            // The config names these per target; a flag that would be silently ignored is refused instead.
            if (new Option[] { repo, server, actual, extra, sshKey, knownHosts }.FirstOrDefault(settings.Given) is { } ignored)
                throw new UsageException($"{ignored.Name} applies to a one-off check (with --desired) only; with a config file, set it for the target in {Path.GetFileName(configFile ?? ConfigLoader.DefaultFileName)}.");
            return FromConfig(configFile);
        }

        var repoName = settings.String(repo) ?? throw new UsageException($"A one-off check needs --repo NAME (or {repo.Env}).");
        var serverName = settings.String(server) ?? throw new UsageException($"A one-off check needs --server NAME (or {server.Env}).");
        var actualText = settings.String(actual) ?? throw new UsageException("A one-off check needs --actual DIR or --actual ssh://user@host[:port]/abs/path.");
        if (Names.RepoProblem(repoName) is { } repoProblem)
            throw new UsageException($"--repo \"{repoName}\" {repoProblem}.");
        if (Names.ServerProblem(serverName) is { } serverProblem)
            throw new UsageException($"--server \"{serverName}\" {serverProblem}.");
        var desiredRoot = Path.GetFullPath(desiredDir, io.CurrentDirectory);
        if (!Directory.Exists(desiredRoot))
            throw new UsageException($"--desired \"{desiredDir}\" is not a directory.");
        var mapping = new FileMapping { Src = "", Dest = "", Extra = ExtraFlag(extra) };
        var location = Location(actualText, settings.String(sshKey), settings.String(knownHosts));
        return new CheckPlan { Repo = repoName, DesiredRoot = desiredRoot, Targets = [new TargetSpec(serverName, location, [mapping])] };
    }

    private bool ExtraFlag(EnvOption<bool> extra) => settings.Flag(extra);

    private CheckPlan FromConfig(string? configFile)
    {
        var file = Path.GetFullPath(configFile ?? ConfigLoader.DefaultFileName, io.CurrentDirectory);
        if (!File.Exists(file))
            throw new UsageException(configFile is null
                ? $"No {ConfigLoader.DefaultFileName} in {io.CurrentDirectory}: pass --config FILE, or --repo, --server, --desired and --actual for a one-off check."
                : $"The config file {file} does not exist.");
        return ConfigLoader.Load(file);
    }

    private ActualLocation Location(string actual, string? key, string? knownHosts)
    {
        if (!actual.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase))
        {
            if (key is not null || knownHosts is not null)
                throw new UsageException("--ssh-key and --known-hosts apply to --actual ssh://… only.");
            return new LocalLocation(Path.GetFullPath(actual, io.CurrentDirectory));
        }
        if (!Uri.TryCreate(actual, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new UsageException($"--actual \"{actual}\" is not ssh://user@host[:port]/abs/path.");
        var user = uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(uri.UserInfo) : null;
        var endpoint = new SshEndpoint(user, uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host, uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port);
        var root = Uri.UnescapeDataString(uri.AbsolutePath);
        return new SshLocation(endpoint, root.Length == 0 ? "/" : root,
            key is null ? null : Path.GetFullPath(key, io.CurrentDirectory),
            knownHosts is null ? null : Path.GetFullPath(knownHosts, io.CurrentDirectory));
    }
}
