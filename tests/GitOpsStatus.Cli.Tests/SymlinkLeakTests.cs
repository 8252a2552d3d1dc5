using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

/// <summary>
/// Issue 18: <c>actual/innocent.conf</c> → a secret file elsewhere on the target. Its hash is reported, never its
/// contents: a symlink leading outside its mapped directory, or to a sensitive path, is not diffed (locally and over SSH).
/// </summary>
public sealed class SymlinkLeakTests(SshServer sshd) : IClassFixture<SshServer>, IDisposable
{
    /// <summary>Stands in for /etc/shadow: every line is checked for in the output.</summary>
    private static readonly string[] SecretLines = ["root:$6$Zq8Xw2LeakedHash:19000:0:99999:7:::", "SECRET-MARKER-5d1f0a7c"];

    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public async Task A_symlink_to_a_file_outside_the_mapped_directory_is_modified_with_hashes_only(string where)
    {
        var (desired, actual) = tree.Pair(("innocent.conf", "wanted\n"), ("plain.conf", "a\n"));
        var secret = tree.Write("etc/shadow", string.Join('\n', SecretLines) + "\n");
        File.Delete(tree["actual/innocent.conf"]);
        File.CreateSymbolicLink(tree["actual/innocent.conf"], secret);
        tree.Write("actual/plain.conf", "b\n");

        var (json, text) = await CheckBothFormatsAsync(where, desired, actual);

        var report = Assert.Single(Reports.Parse(json));
        var file = report.File("innocent.conf");
        Assert.Equal(ChangeKind.Modified, file.Change);
        Assert.Equal(Core.Drift.FileHasher.Hash(File.ReadAllBytes(secret)), file.ActualSha256);
        Assert.Equal($"[diff withheld: it is a symlink to {secret}, outside the mapped directory {actual}; only hashes are reported]\n", file.Diff);
        Assert.Contains("-a\n+b\n", report.File("plain.conf").Diff, StringComparison.Ordinal); // other files are still diffed
        AssertNoSecret(json, text);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public async Task A_symlinked_directory_leading_outside_is_not_read_either(string where)
    {
        var (desired, actual) = tree.Pair(("app/innocent.conf", "wanted\n"));
        tree.Write("etc/innocent.conf", string.Join('\n', SecretLines) + "\n");
        Directory.Delete(tree["actual/app"], recursive: true);
        Directory.CreateSymbolicLink(tree["actual/app"], tree["etc"]);

        var (json, text) = await CheckBothFormatsAsync(where, desired, actual);

        var file = Assert.Single(Reports.Parse(json)).File("app/innocent.conf");
        Assert.Equal(ChangeKind.Modified, file.Change);
        Assert.StartsWith("[diff withheld: it is a symlink to ", file.Diff, StringComparison.Ordinal);
        AssertNoSecret(json, text);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public async Task A_symlink_to_a_sensitive_path_inside_the_mapped_directory_is_not_read_but_an_ordinary_one_is(string where)
    {
        var (desired, actual) = tree.Pair(("innocent.conf", "wanted\n"), ("linked.conf", "x\n"));
        var key = tree.Write("actual/ssl/site.key", string.Join('\n', SecretLines) + "\n");
        var real = tree.Write("actual/real/linked.conf", "y\n");
        File.Delete(tree["actual/innocent.conf"]);
        File.CreateSymbolicLink(tree["actual/innocent.conf"], key);
        File.Delete(tree["actual/linked.conf"]);
        File.CreateSymbolicLink(tree["actual/linked.conf"], real);

        var (json, text) = await CheckBothFormatsAsync(where, desired, actual);

        var report = Assert.Single(Reports.Parse(json));
        Assert.StartsWith($"[diff withheld: it is a symlink to {key}, which matches a sensitive pattern", report.File("innocent.conf").Diff, StringComparison.Ordinal);
        Assert.Contains("-x\n+y\n", report.File("linked.conf").Diff, StringComparison.Ordinal);
        AssertNoSecret(json, text);
    }

    private async Task<(string Json, string Text)> CheckBothFormatsAsync(string where, string desired, string actual)
    {
        var target = where == "ssh" ? sshd.Url(actual) : actual;
        string[] ssh = where == "ssh" ? ["--ssh-key", sshd.UserKey, "--known-hosts", sshd.KnownHosts] : [];
        string[] common = ["check", "--repo", "r", "--server", "lab-1", "--desired", desired, "--actual", target, "--no-send", .. ssh];
        var json = await CliRunner.RunAsync([.. common, "--format", "json"]);
        var text = await CliRunner.RunAsync(common);
        Assert.Equal(0, json.ExitCode);
        return (json.Out + json.Err, text.Out + text.Err);
    }

    private static void AssertNoSecret(params string[] outputs)
    {
        foreach (var output in outputs)
        {
            foreach (var line in SecretLines)
            {
                Assert.DoesNotContain(line, output, StringComparison.Ordinal);
                Assert.DoesNotContain(System.Text.Json.JsonSerializer.Serialize(line)[1..^1], output, StringComparison.Ordinal); // JSON-escaped too
            }
        }
    }
}
