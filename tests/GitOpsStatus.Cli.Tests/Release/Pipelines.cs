using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>One CI job as its runner would run it: the environment it declares and its shell scripts, in order.</summary>
/// <param name="Env">Variables the job declares, secrets and settings already filled in.</param>
/// <param name="Scripts">Each runs in its own shell (GitHub's steps); Woodpecker and GitLab have one.</param>
/// <param name="Shell">The shell and its flags, as the runner invokes it.</param>
public sealed record PipelineJob(Dictionary<string, string> Env, List<string> Scripts, string[] Shell);

/// <summary>
/// Reads a job out of the example pipelines as their runners do — YAML anchors and merge keys, nested script lists,
/// secrets and settings — so a test runs the commands exactly as they are written in the file.
/// </summary>
public static partial class Pipelines
{
    private static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        Merged(map).Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>The mapping with its <c>&lt;&lt;: *anchor</c> merge keys applied (the mapping's own keys win).</summary>
    private static YamlMappingNode Merged(YamlMappingNode map)
    {
        var result = new YamlMappingNode();
        foreach (var (key, value) in map.Children)
        {
            if (key is YamlScalarNode { Value: "<<" } && value is YamlMappingNode inherited)
            {
                foreach (var (k, v) in Merged(inherited).Children)
                    result.Children.TryAdd(k, v);
            }
        }
        foreach (var (key, value) in map.Children.Where(c => c.Key is not YamlScalarNode { Value: "<<" }))
            result.Children[key] = value;
        return result;
    }

    /// <summary>Script lines, with nested lists (GitLab's <c>- *anchor</c> of a list) flattened.</summary>
    private static IEnumerable<string> Lines(YamlNode? node) => node switch
    {
        null => [],
        YamlScalarNode scalar => [scalar.Value!],
        YamlSequenceNode sequence => sequence.Children.SelectMany(Lines),
        _ => throw new InvalidOperationException($"a script entry is neither a line nor a list: {node.Start}"),
    };

    private static Dictionary<string, string> Scalars(YamlNode? node, Func<YamlNode, string> resolve) =>
        node is YamlMappingNode map
            ? Merged(map).Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => resolve(c.Value))
            : [];

    /// <summary>A Woodpecker step: its <c>environment</c> (<c>from_secret</c> filled from <paramref name="secrets"/>) and <c>commands</c>, run by <c>sh -e</c>.</summary>
    public static PipelineJob Woodpecker(string path, string step, IReadOnlyDictionary<string, string> secrets)
    {
        var job = (YamlMappingNode)Get((YamlMappingNode)Get(Load(path), "steps")!, step)!;
        var env = Scalars(Get(job, "environment"), value => value is YamlMappingNode secret
            ? secrets[((YamlScalarNode)Get(secret, "from_secret")!).Value!]
            : ((YamlScalarNode)value).Value!);
        return new PipelineJob(env, [string.Join('\n', Lines(Get(job, "commands")))], ["/bin/sh", "-e", "-c"]);
    }

    /// <summary>
    /// A GitLab job: global then job <c>variables</c>, overridden by the project's CI/CD <paramref name="settings"/> (GitLab's
    /// precedence), and <c>before_script</c> + <c>script</c> in one bash.
    /// </summary>
    public static PipelineJob GitLab(string path, string jobName, IReadOnlyDictionary<string, string> settings)
    {
        var root = Load(path);
        var job = (YamlMappingNode)Get(root, jobName)!;
        var env = Scalars(Get(root, "variables"), v => ((YamlScalarNode)v).Value!);
        foreach (var (name, value) in Scalars(Get(job, "variables"), v => ((YamlScalarNode)v).Value!))
            env[name] = value;
        foreach (var (name, value) in settings)
            env[name] = value;
        var script = Lines(Get(job, "before_script")).Concat(Lines(Get(job, "script")));
        return new PipelineJob(env, [string.Join('\n', script)], ["bash", "-e", "-o", "pipefail", "-c"]);
    }

    /// <summary>
    /// A GitHub Actions job: workflow then job <c>env</c> with <c>${{ vars.X }}</c>, <c>${{ secrets.X }}</c> and
    /// <c>${{ vars.X || 'default' }}</c> filled in, and each <c>run:</c> step in its own bash. Action steps (<c>uses:</c>)
    /// are not run; their names are returned for the test to check.
    /// </summary>
    public static (PipelineJob Job, List<string> Actions) GitHub(string path, string jobName,
        IReadOnlyDictionary<string, string> vars, IReadOnlyDictionary<string, string> secrets)
    {
        var root = Load(path);
        var job = (YamlMappingNode)Get((YamlMappingNode)Get(root, "jobs")!, jobName)!;
        string Resolve(YamlNode node) => Expression().Replace(((YamlScalarNode)node).Value!, m =>
        {
            var table = m.Groups["kind"].Value == "vars" ? vars : secrets;
            return table.TryGetValue(m.Groups["name"].Value, out var value) && value != "" ? value : m.Groups["default"].Value;
        });
        var env = Scalars(Get(root, "env"), Resolve);
        foreach (var (name, value) in Scalars(Get(job, "env"), Resolve))
            env[name] = value;
        var steps = ((YamlSequenceNode)Get(job, "steps")!).Children.Cast<YamlMappingNode>().ToList();
        var runs = steps.Select(s => Get(s, "run")).OfType<YamlScalarNode>().Select(r => r.Value!).ToList();
        var actions = steps.Select(s => Get(s, "uses")).OfType<YamlScalarNode>().Select(u => u.Value!).ToList();
        Assert.DoesNotContain(runs, r => r.Contains("${{", StringComparison.Ordinal));
        return (new PipelineJob(env, runs, ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c"]), actions);
    }

    [GeneratedRegex(@"^\$\{\{\s*(?<kind>vars|secrets)\.(?<name>\w+)\s*(\|\|\s*'(?<default>[^']*)'\s*)?\}\}$")]
    private static partial Regex Expression();
}
