using System.Text;

namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary>What one in-process command run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err);

/// <summary>Runs <c>gitops-status</c> in-process with its own streams and a hermetic environment (only what the test passes).</summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(string[] args, IReadOnlyDictionary<string, string>? env = null, string? cwd = null, string? stdin = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var io = new CliIo(output, error,
            name => env is not null && env.TryGetValue(name, out var value) ? value : null,
            () => new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? "")),
            cwd ?? Directory.GetCurrentDirectory());
        var code = await CliApp.RunAsync(args, io, TestContext.Current.CancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, null);
}
