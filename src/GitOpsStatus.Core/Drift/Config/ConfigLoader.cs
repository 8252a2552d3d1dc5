using System.Globalization;
using GitOpsStatus.Core.Reports;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOpsStatus.Core.Drift.Config;

/// <summary>
/// Reads <c>gitops-status.yaml</c> into a <see cref="CheckPlan"/>. Mapping sources are relative to the file's directory
/// (the repo). Unknown keys are errors, so a typo is not silently ignored.
/// </summary>
public static class ConfigLoader
{
    public const string DefaultFileName = "gitops-status.yaml";

    private static readonly string[] TopKeys = ["repo", "url", "interval", "max_diff_bytes", "realtime", "targets"];
    private static readonly string[] TargetKeys = ["server", "path", "ssh", "root", "key", "known_hosts", "files"];
    private static readonly string[] MappingKeys = ["src", "dest", "include", "exclude", "extra", "sensitive", "mode", "owner"];

    public static CheckPlan Load(string file)
    {
        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read the config file {file}: {e.Message}", e);
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{Path.GetFileName(file)}, line {e.Start.Line}: is not valid YAML: {e.Message}.", e);
        }
        if (stream.Documents.Count == 0)
            throw new ConfigException($"{Path.GetFileName(file)}, line 1: the file is empty; expected the keys {string.Join(", ", TopKeys)}.");

        var top = YamlFields.Of(file, stream.Documents[0].RootNode, "", TopKeys);
        var repo = top.String("repo", required: true)!;
        if (Names.RepoProblem(repo) is { } repoProblem)
            throw top.Error("repo", $"\"{repo}\" {repoProblem}");
        var desiredRoot = Path.GetDirectoryName(Path.GetFullPath(file))!;
        return new CheckPlan
        {
            Repo = repo,
            DesiredRoot = desiredRoot,
            Url = Url(top),
            IntervalSeconds = Interval(top),
            MaxDiffBytes = (int?)top.Integer("max_diff_bytes", 256, 16 * 1024 * 1024),
            Realtime = top.Bool("realtime") ?? false,
            Targets = Targets(top, desiredRoot),
        };
    }

    private static string? Url(YamlFields top)
    {
        var url = top.String("url");
        if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            throw top.Error("url", $"\"{url}\" is not an http:// or https:// URL of the status server");
        return url;
    }

    private static long? Interval(YamlFields top)
    {
        if (top.String("interval") is not { } text)
            return null;
        if (!Durations.TryParse(text, out var interval) || interval < TimeSpan.FromSeconds(1) || interval.TotalSeconds > ReportValidator.MaxIntervalSeconds)
            throw top.Error("interval", $"\"{text}\" is not {Durations.Expected} between 1 second and 31 days");
        return (long)interval.TotalSeconds;
    }

    private static List<TargetSpec> Targets(YamlFields top, string desiredRoot)
    {
        if (top.NodeOf("targets") is not YamlSequenceNode { Children.Count: > 0 } sequence)
            throw top.Error("targets", "expected a list of targets, each with server, path or ssh, and files");
        var targets = new List<TargetSpec>();
        var servers = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var target = YamlFields.Of(top.File, sequence.Children[i], $"targets[{i}]", TargetKeys);
            var server = target.String("server", required: true)!;
            if (Names.ServerProblem(server) is { } problem)
                throw target.Error("server", $"\"{server}\" {problem}");
            if (!servers.Add(server))
                throw target.Error("server", $"\"{server}\" is listed twice; each target needs its own server name");
            targets.Add(new TargetSpec(server, Location(target, desiredRoot), Mappings(target, desiredRoot)));
        }
        return targets;
    }

    private static ActualLocation Location(YamlFields target, string desiredRoot)
    {
        var path = target.String("path");
        var ssh = target.String("ssh");
        if ((path is null) == (ssh is null))
            throw target.Error(path is null ? "server" : "ssh", "a target needs exactly one of path (a local directory) or ssh (user@host[:port])");
        if (path is not null)
        {
            foreach (var sshOnly in (string[])["root", "key", "known_hosts"])
                if (target.String(sshOnly) is not null)
                    throw target.Error(sshOnly, "applies to ssh targets only; a local target's directory is its path");
            return new LocalLocation(Path.GetFullPath(Expand(path, desiredRoot)));
        }
        var endpoint = SshEndpoint.TryParse(ssh!, out var problem)
            ?? throw target.Error("ssh", $"\"{ssh}\" {problem}; expected user@host[:port], e.g. root@10.0.0.5:22");
        var root = target.String("root") ?? "/";
        if (!root.StartsWith('/'))
            throw target.Error("root", $"\"{root}\" is not an absolute path on the host");
        var key = target.String("key") is { } k ? Expand(k, desiredRoot) : null;
        var knownHosts = target.String("known_hosts") is { } h ? Expand(h, desiredRoot) : null;
        return new SshLocation(endpoint, root, key, knownHosts);
    }

    private static List<FileMapping> Mappings(YamlFields target, string desiredRoot)
    {
        if (target.NodeOf("files") is not YamlSequenceNode { Children.Count: > 0 } sequence)
            throw target.Error("files", "expected a list of file mappings, each with src and dest");
        var mappings = new List<FileMapping>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var fields = YamlFields.Of(target.File, sequence.Children[i], $"{target.KeyPath("files")}[{i}]", MappingKeys);
            var src = fields.String("src", required: true)!;
            var local = Path.GetFullPath(Path.Join(desiredRoot, src));
            var isDirectory = Directory.Exists(local);
            if (!isDirectory && !File.Exists(local))
                throw fields.Error("src", $"\"{src}\" does not exist in {desiredRoot}");
            var dest = fields.String("dest", required: true)!;
            if (dest.Split('/').Contains(".."))
                throw fields.Error("dest", $"\"{dest}\" contains \"..\"; write the path on the target without it");
            var mapping = new FileMapping
            {
                Src = src,
                Dest = dest,
                Include = fields.List("include"),
                Exclude = fields.List("exclude"),
                Extra = fields.Bool("extra") ?? false,
                Sensitive = fields.Bool("sensitive"),
                Mode = Mode(fields),
                Owner = Owner(fields),
            };
            if (!isDirectory && (mapping.Extra || mapping.Include.Count > 0 || mapping.Exclude.Count > 0))
                throw fields.Error(mapping.Extra ? "extra" : mapping.Include.Count > 0 ? "include" : "exclude", $"applies to directories only, and src \"{src}\" is a file");
            mappings.Add(mapping);
        }
        return mappings;
    }

    private static string? Mode(YamlFields fields)
    {
        if (fields.String("mode") is not { } text)
            return null;
        if (text.Length is < 1 or > 5 || text.Any(c => c is < '0' or > '7'))
            throw fields.Error("mode", $"\"{text}\" is not an octal mode like \"0644\"; quote it so YAML keeps the leading zero");
        return Convert.ToString(Convert.ToInt32(text, 8) & 0xFFF, 8).ToString(CultureInfo.InvariantCulture);
    }

    private static string? Owner(YamlFields fields)
    {
        if (fields.String("owner") is not { } text)
            return null;
        var parts = text.Split(':');
        if (parts.Length > 2 || parts.Any(p => p.Length == 0 || p.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            throw fields.Error("owner", $"\"{text}\" is not user or user:group, e.g. root:adm");
        return text;
    }

    /// <summary><c>~/x</c> is under the home directory; other relative paths are relative to the config file's directory.</summary>
    public static string Expand(string path, string baseDir)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
            path = Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..]);
        return Path.GetFullPath(path, baseDir);
    }
}
