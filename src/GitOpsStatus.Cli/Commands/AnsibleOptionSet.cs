using System.CommandLine;
using GitOpsStatus.Core.Ansible;
using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary>What <c>ansible</c> and <c>watch</c> share to turn a playbook run into reports: repo, server names, revision, diff size.</summary>
internal sealed class AnsibleOptionSet
{
    public readonly EnvOption<string?> Repo = new("--repo", "GITOPS_REPO", "The repo name in the reports");
    public readonly EnvOption<string[]> ServerMap = new("--server-map", "GITOPS_SERVER_MAP", "HOST=SERVER: report inventory host HOST as SERVER; repeat or comma-separate") { AllowMultipleArgumentsPerToken = false };
    public readonly EnvOption<string?> Revision = new("--revision", "GITOPS_REVISION", "The desired state's commit", "the playbook's git HEAD");
    public readonly EnvOption<string?> Source = new("--source", "GITOPS_SOURCE", "Why the check ran: deploy, cron, manual or free text");
    public readonly EnvOption<string?> Interval = new("--interval", "GITOPS_INTERVAL", "How often this check runs, e.g. 2m; the server shows STALE after 3 missed runs");
    public readonly EnvOption<string?> MaxDiffBytes = new("--max-diff-bytes", "GITOPS_MAX_DIFF_BYTES", "Diffs are cut, with a marker, past this size", "65536");

    public void AddTo(Command command)
    {
        foreach (var option in (Option[])[Repo, ServerMap, Revision, Source, Interval, MaxDiffBytes])
            command.Options.Add(option);
    }

    /// <summary>The job, or a usage error naming what is missing. --interval wins over <paramref name="intervalSeconds"/> (watch's cron period).</summary>
    public AnsibleJob Job(Settings settings, CliIo io, string? playbook, string? inventory, IReadOnlyList<string> extraArgs, string? from, long? intervalSeconds)
    {
        var repo = settings.String(Repo) ?? throw new UsageException($"The ansible check needs --repo NAME (or {Repo.Env}): the repo the playbook comes from.");
        if (Names.RepoProblem(repo) is { } problem)
            throw new UsageException($"--repo \"{repo}\" {problem}.");
        if (from is not null && playbook is not null)
            throw new UsageException("Pass either PLAYBOOK (to run ansible-playbook) or --from FILE (a saved JSON output), not both.");
        if (from is null && playbook is null)
            throw new UsageException("Name the PLAYBOOK to run in check mode (with -i INVENTORY), or pass --from FILE with a saved JSON output.");
        if (playbook is not null && inventory is null && !InventoryConfigured(io))
            throw new UsageException("The ansible check needs an inventory: pass -i INVENTORY, or name it in ansible.cfg (inventory = … under [defaults]) or ANSIBLE_INVENTORY.");
        var fromPath = from is null ? null : Path.GetFullPath(from, io.CurrentDirectory);
        if (fromPath is not null && !File.Exists(fromPath))
            throw new UsageException($"--from \"{from}\" does not exist.");
        var playbookPath = playbook is null ? null : Path.GetFullPath(playbook, io.CurrentDirectory);
        if (playbookPath is not null && !File.Exists(playbookPath))
            throw new UsageException($"The playbook \"{playbook}\" does not exist.");
        return new AnsibleJob
        {
            Playbook = playbookPath,
            // An inventory can be a file, a directory or "host1,host2,": only paths that exist are made absolute.
            Inventory = inventory is null ? null : Path.Exists(Path.GetFullPath(inventory, io.CurrentDirectory)) ? Path.GetFullPath(inventory, io.CurrentDirectory) : inventory,
            ExtraArgs = extraArgs,
            FromFile = fromPath,
            Program = EnvVariable.AnsiblePlaybook.Read(io),
            WorkingDirectory = io.CurrentDirectory,
            Reports = new AnsibleReportOptions
            {
                Repo = repo,
                ServerMap = Map(settings),
                Revision = settings.String(Revision),
                Source = settings.String(Source),
                IntervalSeconds = settings.Duration(Interval) is { } every ? Math.Max(1, (long)every.TotalSeconds) : intervalSeconds,
                MaxDiffBytes = settings.Int(MaxDiffBytes, 256, 16 * 1024 * 1024) ?? CheckOptions.DefaultMaxDiffBytes,
            },
        };
    }

    /// <summary>
    /// Whether ansible-playbook will find an inventory without -i: ANSIBLE_INVENTORY, or <c>inventory</c> under
    /// <c>[defaults]</c> in the one ansible.cfg it reads (ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg).
    /// </summary>
    private static bool InventoryConfigured(CliIo io)
    {
        if (io.Env("ANSIBLE_INVENTORY") is { Length: > 0 })
            return true;
        var candidates = new[]
        {
            io.Env("ANSIBLE_CONFIG"), Path.Join(io.CurrentDirectory, "ansible.cfg"),
            io.Env("HOME") is { Length: > 0 } home ? Path.Join(home, ".ansible.cfg") : null, "/etc/ansible/ansible.cfg",
        };
        if (candidates.FirstOrDefault(File.Exists) is not { } file)
            return false;
        var section = "";
        foreach (var raw in File.ReadLines(file))
        {
            var line = raw.Trim();
            if (line.StartsWith('[') && line.EndsWith(']'))
                section = line[1..^1].Trim();
            else if (section == "defaults" && line.Split('=', 2) is [var key, var value] && key.Trim() is "inventory" or "hostfile" && value.Trim().Length > 0)
                return true;
        }
        return false;
    }

    private Dictionary<string, string> Map(Settings settings)
    {
        var pairs = settings.Values(ServerMap).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
                throw new UsageException($"--server-map \"{pair}\" is not HOST=SERVER, e.g. rsyslog-lab-01=rsyslog-lab.");
            var server = pair[(equals + 1)..];
            if (Names.ServerProblem(server) is { } problem)
                throw new UsageException($"--server-map \"{pair}\": the server \"{server}\" {problem}.");
            map[pair[..equals]] = server;
        }
        return map;
    }
}
