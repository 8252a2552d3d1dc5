namespace GitOpsStatus.Cli;

/// <summary>Table of contents: everything happens in <see cref="CliApp"/>, which tests run in-process with their own streams and environment.</summary>
internal static class Program
{
    private static Task<int> Main(string[] args) => CliApp.RunAsync(args, CliIo.FromConsole());
}
