namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>deploy/checker.Dockerfile: its publish step makes a native binary that runs alone, and its runtime packages exist.</summary>
public sealed class CheckerImageTests
{
    [Fact]
    public void The_checker_images_publish_step_makes_the_native_binary_the_image_ships()
    {
        var result = Shell.Run($"deploy/test-checker-publish.sh", cwd: ReleaseBuild.RepoRoot(), timeout: TimeSpan.FromMinutes(15));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("(Native AOT, linux-x64)", result.Out, StringComparison.Ordinal);
    }

    /// <summary>What a working copy may hold beside the sources: build output, databases, history, keys and tokens.</summary>
    private static readonly string[] MustStayOut =
    [
        "src/GitOpsStatus.Cli/bin/Release/net10.0/linux-x64/publish/gitops-status",
        "src/GitOpsStatus.Server/obj/project.assets.json",
        "tests/GitOpsStatus.Cli.Tests/bin/Debug/net10.0/GitOpsStatus.Cli.Tests.dll",
        "data/gitops-status.db",
        "src/GitOpsStatus.Server/data/gitops-status.db-wal",
        "gitops-status.db",
        ".git/config",
        ".env",
        "deploy/.env.production",
        "deploy/tls/server.key",
        "deploy/tls/server.pem",
        "examples/rsyslog/.ssh/id_ed25519",
        "id_rsa",
        "bench/results/check.md",
        "docs/notes.md",
    ];

    [Theory]
    [InlineData("deploy/checker.Dockerfile.dockerignore")]
    [InlineData("deploy/Dockerfile.dockerignore")]
    public void The_dockerignore_keeps_build_output_databases_and_secrets_out_of_the_context_and_keeps_every_file_COPY_takes(string ignoreFile)
    {
        var root = ReleaseBuild.RepoRoot();
        var ignore = DockerIgnore.Load(Path.Join(root, ignoreFile));

        Assert.All(MustStayOut, path => Assert.False(ignore.Sends(path), $"{ignoreFile} sends {path} to the build context"));
        // Every tracked file the Dockerfiles' COPY lines take (global.json … .editorconfig, src/) is still sent.
        var copied = Shell.Check("git ls-files -- global.json Directory.Build.props Directory.Packages.props .editorconfig src", cwd: root)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("src/GitOpsStatus.Cli/GitOpsStatus.Cli.csproj", copied);
        Assert.All(copied, path => Assert.True(ignore.Sends(path), $"{ignoreFile} leaves out {path}, which the Dockerfile copies"));
    }
}
