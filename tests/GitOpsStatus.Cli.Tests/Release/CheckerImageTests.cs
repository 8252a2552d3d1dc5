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
}
