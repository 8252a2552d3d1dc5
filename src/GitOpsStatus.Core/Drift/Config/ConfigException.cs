namespace GitOpsStatus.Core.Drift.Config;

/// <summary>A config file that cannot be used; the message is one sentence naming the file, line and key.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(message) { }
    public ConfigException(string message, Exception inner) : base(message, inner) { }
    public ConfigException() { }
}
