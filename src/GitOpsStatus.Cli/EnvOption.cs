using System.CommandLine;
using GitOpsStatus.Core;

namespace GitOpsStatus.Cli;

/// <summary>
/// A flag and the environment variable it falls back to, declared together: the help text names the variable from this
/// declaration and <see cref="Settings"/> reads it from the same one, so help and behaviour cannot drift apart.
/// </summary>
internal sealed class EnvOption<T> : Option<T>
{
    public EnvOption(string name, string env, string description, string? defaultText = null, params string[] aliases) : base(name, aliases)
    {
        Env = env;
        Description = $"{description} [env: {env}{(defaultText is null ? "" : "; default " + defaultText)}]";
    }

    /// <summary>The environment variable read when the flag is not given.</summary>
    public string Env { get; }
}

/// <summary>A setting only the environment gives (a program to run instead of the one on PATH), listed in the help of the commands that read it.</summary>
internal sealed record EnvVariable(string Name, string Description, string Default)
{
    public static readonly EnvVariable Ssh = new("GITOPS_SSH", "the ssh program for ssh:// targets", "ssh");
    public static readonly EnvVariable AnsiblePlaybook = new("GITOPS_ANSIBLE_PLAYBOOK", "the ansible-playbook program", "ansible-playbook");

    // Hashing a host's largest files is the longest an honest check stays silent; a hung remote command otherwise hangs check and watch.
    public static readonly EnvVariable SshTimeout = new("GITOPS_SSH_TIMEOUT", "how long an ssh:// host may send nothing before its target is UNKNOWN", "2m");

    public string Read(CliIo io) => io.Env(Name) is { Length: > 0 } value ? value : Default;

    /// <summary>The variable as a duration from 1 second to 1 day; anything else is a usage error naming it.</summary>
    public TimeSpan ReadDuration(CliIo io)
    {
        var text = Read(io);
        return Durations.TryParse(text, out var value) && value >= TimeSpan.FromSeconds(1) && value <= TimeSpan.FromDays(1)
            ? value
            : throw new UsageException($"{Name} is \"{text}\"; expected {Durations.Expected}, from 1s to 1d.");
    }

    /// <summary>The lines a command's description ends with.</summary>
    public static string Help(params EnvVariable[] variables) =>
        "\nEnvironment:\n" + string.Join("\n", variables.Select(v => $"  {v.Name}  {v.Description} [default {v.Default}]"));
}
