namespace GitOpsStatus.Cli;

/// <summary>The process's streams and environment, passed in so tests run commands in-process with their own.</summary>
public sealed record CliIo(
    TextWriter Out,
    TextWriter Err,
    Func<string, string?> Env,
    Func<Stream> OpenStdin,
    string CurrentDirectory,
    bool OutIsTerminal = false,
    bool ErrIsTerminal = false,
    TimeProvider? Clock = null)
{
    /// <summary>The clock <c>watch</c> schedules by; tests pass a fake one.</summary>
    public TimeProvider Time => Clock ?? TimeProvider.System;

    public static CliIo FromConsole() => new(
        Console.Out,
        Console.Error,
        Environment.GetEnvironmentVariable,
        Console.OpenStandardInput,
        Environment.CurrentDirectory,
        OutIsTerminal: !Console.IsOutputRedirected,
        ErrIsTerminal: !Console.IsErrorRedirected);

    /// <summary>Colour only on a terminal, and never when <c>NO_COLOR</c> is set (no-color.org).</summary>
    public bool Colour => OutIsTerminal && string.IsNullOrEmpty(Env("NO_COLOR"));
}
