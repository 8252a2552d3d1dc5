using YamlDotNet.RepresentationModel;

namespace GitOpsStatus.Core.Drift.Config;

/// <summary>Typed reads from a YAML mapping; every failure is a <see cref="ConfigException"/> naming file, line and key.</summary>
internal sealed class YamlFields(string file, YamlMappingNode node, string path)
{
    public string File => file;
    public YamlMappingNode Node => node;

    /// <summary>Reads a mapping node at <paramref name="path"/>, refusing keys it does not know (typos would be silently ignored otherwise).</summary>
    public static YamlFields Of(string file, YamlNode node, string path, IReadOnlyList<string> allowed)
    {
        if (node is not YamlMappingNode mapping)
            throw Error(file, node, path, $"expected a mapping with the keys {string.Join(", ", allowed)}");
        foreach (var key in mapping.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(name))
                throw Error(file, key, Join(path, name), $"is not a known key; expected one of {string.Join(", ", allowed)}");
        }
        return new YamlFields(file, mapping, path);
    }

    public static ConfigException Error(string file, YamlNode node, string key, string problem) =>
        new($"{Path.GetFileName(file)}, line {node.Start.Line}, key \"{key}\": {problem}.");

    public ConfigException Error(string key, string problem) =>
        Error(file, NodeOf(key) ?? node, Join(path, key), problem);

    public string KeyPath(string key) => Join(path, key);

    public YamlNode? NodeOf(string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public string? String(string key, bool required = false)
    {
        switch (NodeOf(key))
        {
            case null when required:
                throw Error(file, node, Join(path, key), "is required");
            case null:
                return null;
            case YamlScalarNode { Value: { Length: > 0 } value }:
                return value;
            case YamlScalarNode when required:
                throw Error(key, "must not be empty");
            case YamlScalarNode:
                return null;
            default:
                throw Error(key, "expected a single value, not a list or mapping");
        }
    }

    public bool? Bool(string key) => String(key) switch
    {
        null => null,
        "true" or "yes" or "on" => true,
        "false" or "no" or "off" => false,
        var other => throw Error(key, $"\"{other}\" is not true or false"),
    };

    public long? Integer(string key, long min, long max)
    {
        if (String(key) is not { } text)
            return null;
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw Error(key, $"\"{text}\" is not a whole number from {min} to {max}");
    }

    /// <summary>A single value or a list of values.</summary>
    public IReadOnlyList<string> List(string key) => NodeOf(key) switch
    {
        null => [],
        YamlScalarNode { Value: { Length: > 0 } value } => [value],
        YamlScalarNode => [],
        YamlSequenceNode sequence => sequence.Children.Select((item, i) => item is YamlScalarNode { Value: { Length: > 0 } v }
            ? v
            : throw Error(file, item, $"{Join(path, key)}[{i}]", "expected a non-empty text value")).ToList(),
        _ => throw Error(key, "expected a value or a list of values"),
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
