using System.Globalization;
using System.Text.RegularExpressions;
using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>
/// examples/rsyslog/gitops-status-watch.service, checked by systemd's own analyzer in a root laid out as the README's
/// tarball install leaves a host: the release binary in /usr/local/bin, the unit in /etc/systemd/system.
/// </summary>
[Collection("release")]
public sealed partial class SystemdUnitTests : IDisposable
{
    private readonly TempTree tree = new();
    private readonly string root;
    private const string Unit = "/etc/systemd/system/gitops-status-watch.service";

    public SystemdUnitTests(ReleaseBuild release)
    {
        root = tree.Dir("root");
        Directory.CreateDirectory(Path.Join(root, "usr/local/bin"));
        Directory.CreateDirectory(Path.Join(root, "etc/systemd/system"));
        Directory.CreateDirectory(Path.Join(root, "usr/lib/systemd"));
        Shell.Check($"tar -xzf '{release.Tarball}' -C '{root}/usr/local/bin' gitops-status");
        // The distribution's own units (sysinit.target, …) that every service depends on.
        Shell.Check($"cp -a /usr/lib/systemd/system '{root}/usr/lib/systemd/'");
        File.Copy(Path.Join(ReleaseBuild.RepoRoot(), "examples/rsyslog/gitops-status-watch.service"), root + Unit);
    }

    public void Dispose() => tree.Dispose();

    [Fact]
    public void The_watch_unit_verifies_without_a_single_warning()
    {
        var result = Shell.Run($"systemd-analyze --root='{root}' verify {Unit}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Out + result.Err);
    }

    [Fact]
    public void The_watch_unit_quotes_its_values_runs_sandboxed_as_its_own_user_and_scores_OK_for_exposure()
    {
        var security = Shell.Run($"systemd-analyze security --offline=true --root='{root}' {Unit}");
        var text = File.ReadAllText(root + Unit);

        Assert.True(security.ExitCode == 0, security.ToString());
        var exposure = double.Parse(Exposure().Match(security.Out).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(exposure <= 2.0, $"exposure {exposure} (README quotes 1.7):\n{security.Out}");
        Assert.Contains("Environment=\"GITOPS_SCHEDULE=*/2 * * * *\"", text, StringComparison.Ordinal);
        foreach (var setting in new[] { "User=gitops-status", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "StateDirectory=gitops-status" })
            Assert.Contains("\n" + setting + "\n", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex Exposure();
}
