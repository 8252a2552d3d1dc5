using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>
/// The release artifacts as <c>scripts/release.sh</c> makes them, built once for every test of the collection: the script
/// runs on a clean copy of the sources (so this checkout's obj/ is untouched) for linux-x64 only — the arm64 build costs
/// minutes and this machine cannot run its binary natively (the script itself runs it under qemu).
/// </summary>
public sealed partial class ReleaseBuild : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("gitops-status-release-").FullName;

    /// <summary>The output directory: packages/, the tarball, SHA256SUMS.</summary>
    public string Out { get; }
    public string Packages => Path.Join(Out, "packages");
    public string Version { get; }
    public string Tarball => Path.Join(Out, $"gitops-status-{Version}-linux-x64.tar.gz");

    public ReleaseBuild()
    {
        var root = RepoRoot();
        var src = Directory.CreateDirectory(Path.Join(work, "checkout")).FullName;
        foreach (var file in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig" })
            File.Copy(Path.Join(root, file), Path.Join(src, file));
        Shell.Check($"tar --exclude=bin --exclude=obj --exclude=data -cf - src scripts | tar -xf - -C '{src}'", cwd: root);
        Out = Path.Join(work, "artifacts");
        Shell.Check($"scripts/release.sh --rid linux-x64 --out '{Out}'", cwd: src, timeout: TimeSpan.FromMinutes(20));
        Version = VersionInName().Match(string.Join(' ', Directory.GetFiles(Packages).Select(Path.GetFileName))).Groups[1].Value;
    }

    [GeneratedRegex(@"GitOpsStatus\.Cli\.(\d+\.\d+\.\d+[^ ]*)\.nupkg")]
    private static partial Regex VersionInName();

    public static string RepoRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Join(Path.GetDirectoryName(path)!, "../../.."));

    public void Dispose()
    {
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

[CollectionDefinition("release")]
public sealed class ReleaseGroup : ICollectionFixture<ReleaseBuild>;
