using System.IO.Compression;
using System.Xml.Linq;
using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>What scripts/release.sh makes: the tool packages a user installs, and the tarball for hosts without .NET.</summary>
[Collection("release")]
public sealed class ReleaseArtifactTests(ReleaseBuild release) : IDisposable
{
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    private static XDocument Entry(string nupkg, string suffix)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(suffix, StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static string Value(XDocument nuspec, string name) =>
        nuspec.Descendants().Single(e => e.Name.LocalName == name).Value;

    private const string Desired = "*.* @@logs:514\n";

    /// <summary>The command line that checks <c>desired/</c> (one file) against <paramref name="actual"/> and reports to <paramref name="server"/>.</summary>
    private string CheckArgs(StatusServer server, string actual)
    {
        tree.Write("desired/rsyslog.conf", Desired);
        return $"check --repo release --server host-1 --desired '{tree["desired"]}' --actual '{actual}' --url {server.Url} --retries 0 --spool-dir '{tree["spool"]}'";
    }

    /// <summary>A local "server" whose one file drifted.</summary>
    private string Drifted() => Path.GetDirectoryName(tree.Write("actual/rsyslog.conf", "*.* @@logs:6514\n"))!;

    private static async Task AssertArrivedAsync(StatusServer server, string host, string status)
    {
        var targets = await server.TargetsAsync();
        Assert.True(targets.ContainsKey(host), $"no report for {host} at the server");
        Assert.Equal(status, targets[host].GetProperty("sync_status").GetString());
    }

    [Fact]
    public void The_release_script_makes_the_pointer_the_native_and_any_packages_and_a_tarball_with_their_sums()
    {
        var names = Directory.GetFiles(release.Packages).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal([$"GitOpsStatus.Cli.{release.Version}.nupkg", $"GitOpsStatus.Cli.any.{release.Version}.nupkg", $"GitOpsStatus.Cli.linux-x64.{release.Version}.nupkg"], names);
        Assert.True(File.Exists(release.Tarball));

        // Every artifact is in SHA256SUMS and matches it.
        var sums = File.ReadAllLines(Path.Join(release.Out, "SHA256SUMS"));
        Assert.Equal(4, sums.Length);
        Shell.Check("sha256sum --check --strict SHA256SUMS && sha256sum --check --strict *.tar.gz.sha256", cwd: release.Out);

        // The pointer names a package per RID and the framework-dependent fallback.
        var pointer = Path.Join(release.Packages, $"GitOpsStatus.Cli.{release.Version}.nupkg");
        var rids = Entry(pointer, "DotnetToolSettings.xml").Descendants("RuntimeIdentifierPackage").Select(e => (string)e.Attribute("RuntimeIdentifier")!);
        Assert.Equal(["linux-x64", "linux-arm64", "any"], rids);

        // Metadata a public feed shows.
        var nuspec = Entry(pointer, ".nuspec");
        Assert.Equal("MIT", Value(nuspec, "license"));
        Assert.Equal("README.md", Value(nuspec, "readme"));
        Assert.StartsWith("https://", nuspec.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("url")!.Value, StringComparison.Ordinal);
        Assert.Contains("drift", Value(nuspec, "tags"), StringComparison.Ordinal);
        Assert.Contains("config files in git", Value(nuspec, "description"), StringComparison.Ordinal);

        // The native package holds the binary alone: no debug symbols, pdbs or XML docs.
        using var native = ZipFile.OpenRead(Path.Join(release.Packages, $"GitOpsStatus.Cli.linux-x64.{release.Version}.nupkg"));
        Assert.Equal(["DotnetToolSettings.xml", "gitops-status"], native.Entries.Where(e => e.FullName.StartsWith("tools/", StringComparison.Ordinal)).Select(e => e.Name).Order());
    }

    [Fact]
    public async Task The_tool_installed_from_the_packed_folder_is_the_native_build_and_delivers_a_check()
    {
        using var server = new StatusServer();
        var env = Shell.CleanEnv(tree.Dir("home"));

        var (version, check) = InstallAndCheck(release.Packages, server, env);

        Assert.StartsWith($"gitops-status {release.Version}", version, StringComparison.Ordinal);
        Assert.EndsWith("(Native AOT, linux-x64)\n", version, StringComparison.Ordinal);
        Assert.True(check.ExitCode == 0, check.ToString());
        await AssertArrivedAsync(server, "host-1", "OUT_OF_SYNC");
    }

    [Fact]
    public async Task Where_no_native_package_fits_the_any_fallback_installs_and_runs_on_dotnet()
    {
        using var server = new StatusServer();
        var env = Shell.CleanEnv(tree.Dir("home"));
        // A platform the pointer lists no native package for: here, the pointer without its linux-x64 entry.
        var feed = tree.Dir("feed");
        foreach (var package in Directory.GetFiles(release.Packages).Where(p => !p.Contains(".linux-x64.", StringComparison.Ordinal)))
            File.Copy(package, Path.Join(feed, Path.GetFileName(package)));
        using (var pointer = ZipFile.Open(Path.Join(feed, $"GitOpsStatus.Cli.{release.Version}.nupkg"), ZipArchiveMode.Update))
        {
            var entry = pointer.Entries.Single(e => e.Name == "DotnetToolSettings.xml");
            XDocument settings;
            using (var read = entry.Open())
                settings = XDocument.Load(read);
            settings.Descendants("RuntimeIdentifierPackage").Single(e => (string?)e.Attribute("RuntimeIdentifier") == "linux-x64").Remove();
            entry.Delete();
            using var write = pointer.CreateEntry(entry.FullName).Open();
            settings.Save(write);
        }

        var (version, check) = InstallAndCheck(feed, server, env);

        Assert.Contains("(framework-dependent, .NET 10.", version, StringComparison.Ordinal);
        Assert.True(check.ExitCode == 0, check.ToString());
        await AssertArrivedAsync(server, "host-1", "OUT_OF_SYNC");
    }

    /// <summary>Installs the tool from <paramref name="feed"/> the README's way and runs one check with it.</summary>
    private (string Version, ShellResult Check) InstallAndCheck(string feed, StatusServer server, IReadOnlyDictionary<string, string> env)
    {
        var tools = tree["tools"];
        Shell.Check($"dotnet tool install GitOpsStatus.Cli --tool-path '{tools}' --source '{feed}'", env: env, timeout: TimeSpan.FromMinutes(3));
        return (Shell.Check($"'{tools}/gitops-status' --version", env: env),
            Shell.Run($"'{tools}/gitops-status' {CheckArgs(server, Drifted())}", env: env));
    }

    [Fact]
    public async Task The_tarball_binary_checks_over_ssh_with_no_dotnet_in_reach()
    {
        using var server = new StatusServer();
        using var ssh = new SshServer();
        // Installed the README's way, into a stand-in for /usr/local/bin; PATH holds ssh and nothing of .NET.
        var bin = tree.Dir("usr/local/bin");
        Shell.Check($"tar -xzf '{release.Tarball}' -C '{bin}' gitops-status");
        var path = tree.Dir("path");
        File.CreateSymbolicLink(Path.Join(path, "ssh"), "/usr/bin/ssh");
        var env = Shell.CleanEnv(tree.Dir("home"), path);
        var remote = tree.Dir("host");
        File.WriteAllText(Path.Join(remote, "rsyslog.conf"), Desired);

        var version = Shell.Check("gitops-status --version", env: new Dictionary<string, string>(env) { ["PATH"] = $"{bin}:{path}" });
        var which = Shell.Run("command -v dotnet", env: new Dictionary<string, string>(env) { ["PATH"] = $"{bin}:{path}" }, shell: ["/bin/sh", "-c"]);
        var check = Shell.Run($"'{bin}/gitops-status' {CheckArgs(server, ssh.Url(remote))} --ssh-key '{ssh.UserKey}' --known-hosts '{ssh.KnownHosts}'", env: env);

        Assert.EndsWith("(Native AOT, linux-x64)\n", version, StringComparison.Ordinal);
        Assert.NotEqual(0, which.ExitCode);
        Assert.False(env.ContainsKey("DOTNET_ROOT"));
        Assert.True(check.ExitCode == 0, check.ToString());
        await AssertArrivedAsync(server, "host-1", "SYNCED");
    }
}
