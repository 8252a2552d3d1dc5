using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests;

/// <summary>Every environment variable the checker reads is named in the help of the commands that read it.</summary>
public sealed partial class HelpTests
{
    private static readonly CliIo NoIo = new(TextWriter.Null, TextWriter.Null, _ => null, () => Stream.Null, "/");

    public static TheoryData<string> CommandNames() => [.. CliApp.Commands(NoIo).Subcommands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CommandNames))]
    public async Task A_commands_help_names_the_environment_variable_of_each_of_its_options(string name)
    {
        var command = CliApp.Commands(NoIo).Subcommands.Single(c => c.Name == name);
        var declared = command.Options.Select(EnvOf).OfType<string>().ToList();

        var help = await CliRunner.RunAsync(name, "--help");

        Assert.Equal(0, help.ExitCode);
        Assert.NotEmpty(declared);
        foreach (var env in declared)
            Assert.Contains($"[env: {env}", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_GITOPS_variable_in_the_checkers_source_is_named_in_some_commands_help()
    {
        var helps = new List<string>();
        foreach (var command in CliApp.Commands(NoIo).Subcommands)
            helps.Add((await CliRunner.RunAsync(command.Name, "--help")).Out);
        var allHelp = string.Join("\n", helps);
        var root = RepoRoot();
        var sources = Directory.EnumerateFiles(Path.Join(root, "src/GitOpsStatus.Cli"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Join(root, "src/GitOpsStatus.Core"), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal));

        var read = sources.SelectMany(f => File.ReadLines(f).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)))
            .SelectMany(l => Variable().Matches(l).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("GITOPS_DESIRED", read);
        Assert.Contains("GITOPS_SSH", read);
        var missing = read.Where(v => !Regex.IsMatch(allHelp, $@"\b{v}\b")).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"read but named in no --help: {string.Join(", ", missing)}");
    }

    private static string? EnvOf(Option option) => option.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(EnvOption<>)
        ? (string)type.GetProperty(nameof(EnvOption<bool>.Env))!.GetValue(option)!
        : null;

    private static string RepoRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Join(Path.GetDirectoryName(path)!, "../.."));

    [GeneratedRegex(@"GITOPS_[A-Z_]+[A-Z]")]
    private static partial Regex Variable();
}
