using Microsoft.Playwright;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>
/// Screenshots of the main views: always saved beside the test binaries (bin/…/screenshots/) as
/// artifacts; with UPDATE_SCREENSHOTS=1 also into docs/ for the README.
/// </summary>
public static class Artifacts
{
    public static async Task Screenshot(IPage page, string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 1000, $"{path} is empty");
        if (Environment.GetEnvironmentVariable("UPDATE_SCREENSHOTS") == "1")
            File.Copy(path, Path.Combine(RepoRoot(), "docs", name + ".png"), overwrite: true);
    }

    /// <summary>The checkout this test binary was built from: the folder holding GitOpsStatus.slnx.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GitOpsStatus.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("GitOpsStatus.slnx not found above " + AppContext.BaseDirectory);
    }
}
