using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests;

/// <summary>
/// Issue 23: <c>revert</c> and <c>adopt</c> with the real CLI, real files, a real sshd and the real status server:
/// exactly the drifted files change, with backups; nothing changes without --yes; sensitive files and symlinks leading
/// outside the mapped directory are left alone.
/// </summary>
public sealed class FixTests(SshServer sshd) : IClassFixture<SshServer>, IDisposable
{
    private readonly TempTree tree = new();
    private readonly StatusServer server = new();

    public void Dispose()
    {
        server.Dispose();
        tree.Dispose();
    }

    private Dictionary<string, string> Env() => new()
    {
        ["GITOPS_URL"] = server.Url,
        ["GITOPS_SPOOL_DIR"] = tree["spool"],
        ["GITOPS_RETRIES"] = "0",
    };

    private Task<CliResult> RunAsync(string command, string where, string desired, string actual, params string[] more)
    {
        string[] target = where == "ssh"
            ? ["--actual", sshd.Url(actual), "--ssh-key", sshd.UserKey, "--known-hosts", sshd.KnownHosts]
            : ["--actual", actual];
        return CliRunner.RunAsync([command, "--repo", "infra/app", "--server", "lab-1", "--desired", desired, .. target, .. more], Env());
    }

    /// <summary>Every file under a directory (symlinks as such) with its content and mode: what "nothing changed" compares.</summary>
    private static SortedDictionary<string, string> Snapshot(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(path);
            files[Path.GetRelativePath(root, path)] = info.LinkTarget is { } link ? "-> " + link
                : Directory.Exists(path) ? "dir" : $"{File.ReadAllText(path)} {File.GetUnixFileMode(path)} {info.LastWriteTimeUtc:O}";
        }
        return files;
    }

    private static string[] Backups(string dir) => Directory.GetFiles(dir, "*.gitops-status-backup-*", SearchOption.AllDirectories);

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public async Task Revert_restores_exactly_the_drifted_files_keeps_backups_and_the_server_shows_SYNCED_with_source_revert(string where)
    {
        var (desired, actual) = tree.Pair(("same.conf", "s\n"), ("mod.conf", "a\nb\n"), ("gone.conf", "g\n"), ("deep/er/new.conf", "n\n"));
        tree.Write("actual/mod.conf", "a\nhand edit\n");
        File.SetUnixFileMode(tree["actual/mod.conf"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        File.Delete(tree["actual/gone.conf"]);
        Directory.Delete(tree["actual/deep"], recursive: true);
        var sameBefore = Snapshot(actual)["same.conf"];
        var before = await RunAsync("check", where, desired, actual, "--extra");
        Assert.Equal(0, before.ExitCode);
        Assert.Equal("OUT_OF_SYNC", (await server.TargetsAsync())["lab-1"].GetProperty("sync_status").GetString());

        var result = await RunAsync("revert", where, desired, actual, "--extra", "--yes");

        Assert.True(result.ExitCode == 0, result.Out + result.Err);
        Assert.Contains("restore   mod.conf (modified), backup ", result.Out, StringComparison.Ordinal);
        Assert.Contains("recreate  gone.conf (missing)", result.Out, StringComparison.Ordinal);
        Assert.Contains("recreate  deep/er/new.conf (missing)", result.Out, StringComparison.Ordinal);
        Assert.Equal("a\nb\n", File.ReadAllText(tree["actual/mod.conf"]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(tree["actual/mod.conf"])); // the old mode kept
        Assert.Equal("g\n", File.ReadAllText(tree["actual/gone.conf"]));
        Assert.Equal("n\n", File.ReadAllText(tree["actual/deep/er/new.conf"]));
        var backup = Assert.Single(Backups(actual));
        Assert.Matches(@"/mod\.conf\.gitops-status-backup-\d{8}T\d{6}Z$", backup);
        Assert.Equal("a\nhand edit\n", File.ReadAllText(backup));
        Assert.Equal(sameBefore, Snapshot(actual)["same.conf"]); // an undrifted file is not touched
        Assert.Empty(Directory.GetFiles(actual, ".gitops-status-tmp*", SearchOption.AllDirectories));
        var row = (await server.TargetsAsync())["lab-1"];
        Assert.Equal("SYNCED", row.GetProperty("sync_status").GetString()); // the backup is not an extra file
        Assert.Equal("revert", row.GetProperty("source").GetString());
        Assert.Contains("delivered infra/app/lab-1", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local", "revert")]
    [InlineData("ssh", "revert")]
    [InlineData("local", "adopt")]
    [InlineData("ssh", "adopt")]
    public async Task Without_yes_the_plan_is_printed_nothing_changes_and_the_exit_code_is_2(string where, string command)
    {
        var (desired, actual) = tree.Pair(("mod.conf", "a\n"), ("gone.conf", "g\n"));
        tree.Write("actual/mod.conf", "edited\n");
        File.Delete(tree["actual/gone.conf"]);
        var (desiredBefore, actualBefore) = (Snapshot(desired), Snapshot(actual));

        var result = await RunAsync(command, where, desired, actual);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{command} infra/app/lab-1: ", result.Out, StringComparison.Ordinal);
        Assert.Contains($"{(command == "revert" ? "restore" : "adopt"),-9} mod.conf (modified)", result.Out, StringComparison.Ordinal);
        Assert.Contains($"nothing was changed; pass --yes to {command}", result.Err, StringComparison.Ordinal);
        Assert.Equal(desiredBefore, Snapshot(desired));
        Assert.Equal(actualBefore, Snapshot(actual));
        Assert.Empty(await server.TargetsAsync()); // no report either
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public async Task A_sensitive_file_is_reverted_only_with_include_sensitive_and_never_adopted(string where)
    {
        var (desired, actual) = tree.Pair(("ssl/site.key", "KEY-FROM-GIT\n"), ("plain.conf", "p\n"));
        tree.Write("actual/ssl/site.key", "KEY-ON-HOST\n");
        tree.Write("actual/plain.conf", "edited\n");

        var plain = await RunAsync("revert", where, desired, actual, "--yes", "--no-send");
        var adopt = await RunAsync("adopt", where, desired, actual, "--yes");

        Assert.Equal(0, adopt.ExitCode);
        Assert.Contains("skip      ssl/site.key (modified): sensitive: adopt never copies", adopt.Out, StringComparison.Ordinal);
        Assert.Equal("KEY-FROM-GIT\n", File.ReadAllText(tree["desired/ssl/site.key"]));
        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("skip      ssl/site.key (modified): sensitive: pass --include-sensitive", plain.Out, StringComparison.Ordinal);
        Assert.Equal("KEY-ON-HOST\n", File.ReadAllText(tree["actual/ssl/site.key"]));
        Assert.Equal("p\n", File.ReadAllText(tree["actual/plain.conf"])); // the rest is reverted
        Assert.DoesNotContain("KEY-", plain.Out + plain.Err + adopt.Out + adopt.Err, StringComparison.Ordinal);

        var sensitive = await RunAsync("revert", where, desired, actual, "--yes", "--include-sensitive", "--no-send");

        Assert.Equal(0, sensitive.ExitCode);
        Assert.Equal("KEY-FROM-GIT\n", File.ReadAllText(tree["actual/ssl/site.key"]));
        Assert.Equal("KEY-ON-HOST\n", File.ReadAllText(Assert.Single(Backups(tree["actual/ssl"]))));
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public async Task A_symlink_leading_outside_the_mapped_directory_is_not_followed_by_revert_or_adopt(string where)
    {
        var (desired, actual) = tree.Pair(("innocent.conf", "wanted\n"), ("app/missing.conf", "m\n"), ("plain.conf", "p\n"));
        var secret = tree.Write("etc/shadow", "root:SECRET-MARKER\n");
        File.Delete(tree["actual/innocent.conf"]);
        File.CreateSymbolicLink(tree["actual/innocent.conf"], secret);
        Directory.Delete(tree["actual/app"], recursive: true);
        Directory.CreateSymbolicLink(tree["actual/app"], tree.Dir("outside"));
        tree.Write("actual/plain.conf", "edited\n");
        var outsideBefore = (Snapshot(tree["etc"]), Snapshot(tree["outside"]));

        var revert = await RunAsync("revert", where, desired, actual, "--yes", "--include-sensitive", "--no-send");
        var adopt = await RunAsync("adopt", where, desired, actual, "--yes");

        Assert.Equal(0, revert.ExitCode);
        Assert.Contains($"skip      innocent.conf (modified): it is a symlink to {secret}, outside the mapped directory {actual}; not followed", revert.Out, StringComparison.Ordinal);
        Assert.Contains($"skip      app/missing.conf (missing): its directory {tree["actual/app"]} is a symlink to {tree["outside"]}, outside the mapped directory", revert.Out, StringComparison.Ordinal);
        Assert.Equal(outsideBefore.Item1, Snapshot(tree["etc"]));
        Assert.Equal(outsideBefore.Item2, Snapshot(tree["outside"]));
        Assert.Equal("p\n", File.ReadAllText(tree["actual/plain.conf"]));
        Assert.Contains("skip      innocent.conf (modified): it is a symlink to", adopt.Out, StringComparison.Ordinal);
        Assert.Equal("wanted\n", File.ReadAllText(tree["desired/innocent.conf"]));
        Assert.Equal(0, adopt.ExitCode);
        Assert.DoesNotContain("SECRET-MARKER", string.Concat(adopt.Out, adopt.Err, revert.Out, revert.Err, File.ReadAllText(tree["desired/innocent.conf"])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local")]
    [InlineData("ssh")]
    public async Task Adopt_writes_the_hosts_content_at_each_files_repo_path_and_commits_nothing(string where)
    {
        var repo = tree.Dir("repo");
        Processes.Run("git", "-C", repo, "init", "-q");
        tree.Write("repo/hosts/web/etc/app.conf", "listen 80\n");
        tree.Write("repo/hosts/web/etc/conf.d/a.conf", "a\n");
        tree.Write("repo/hosts/web/etc/conf.d/gone.conf", "g\n");
        Processes.Run("git", "-C", repo, "add", "-A");
        Processes.Run("git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "desired");
        var head = Processes.Run("git", "-C", repo, "rev-parse", "HEAD");
        var host = tree.Dir("host");
        tree.Write("host/srv/app.conf", "listen 8080\n");
        tree.Write("host/srv/conf.d/a.conf", "a from host\n");
        tree.Write("host/srv/conf.d/stray.conf", "x\n");
        var target = where == "ssh"
            ? $"    ssh: {sshd.User}@127.0.0.1:{sshd.Port}\n    root: {host}\n    key: {sshd.UserKey}\n    known_hosts: {sshd.KnownHosts}"
            : $"    path: {host}";
        tree.Write("repo/gitops-status.yaml", $"""
            repo: infra/web
            targets:
              - server: web-1
            {target}
                files:
                  - {"{"} src: hosts/web/etc/app.conf, dest: /srv/app.conf {"}"}
                  - {"{"} src: hosts/web/etc/conf.d, dest: /srv/conf.d, extra: true {"}"}
            """);

        var result = await CliRunner.RunAsync(["adopt", "--yes"], cwd: repo);

        Assert.True(result.ExitCode == 0, result.Out + result.Err);
        Assert.Contains($"adopt     /srv/app.conf (modified) -> {tree["repo/hosts/web/etc/app.conf"]}", result.Out, StringComparison.Ordinal);
        Assert.Contains("skip      /srv/conf.d/gone.conf (missing)", result.Out, StringComparison.Ordinal);
        Assert.Contains("skip      /srv/conf.d/stray.conf (extra)", result.Out, StringComparison.Ordinal);
        Assert.Equal("listen 8080\n", File.ReadAllText(tree["repo/hosts/web/etc/app.conf"]));
        Assert.Equal("a from host\n", File.ReadAllText(tree["repo/hosts/web/etc/conf.d/a.conf"]));
        Assert.Equal("g\n", File.ReadAllText(tree["repo/hosts/web/etc/conf.d/gone.conf"]));
        Assert.False(File.Exists(tree["repo/hosts/web/etc/conf.d/stray.conf"]));
        Assert.Equal(head, Processes.Run("git", "-C", repo, "rev-parse", "HEAD")); // no commit
        Assert.Equal(" M hosts/web/etc/app.conf\n M hosts/web/etc/conf.d/a.conf\n?? gitops-status.yaml\n", Processes.Run("git", "-C", repo, "status", "--porcelain"));
        Assert.Equal("listen 8080\n", File.ReadAllText(tree["host/srv/app.conf"])); // the host is not touched
    }

    [Fact]
    public async Task Revert_over_ssh_sets_the_mode_the_config_wants_and_a_bad_target_name_is_a_usage_error()
    {
        var (_, actual) = tree.Pair(("etc/app.conf", "a\n"), ("etc/other.conf", "o\n"));
        tree.Write("actual/etc/other.conf", "edited\n");
        File.SetUnixFileMode(tree["actual/etc/app.conf"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite);
        tree.Write("gitops-status.yaml", $"""
            repo: r
            targets:
              - server: remote
                ssh: {sshd.User}@127.0.0.1:{sshd.Port}
                root: {actual}
                key: {sshd.UserKey}
                known_hosts: {sshd.KnownHosts}
                files:
                  - {"{"} src: desired/etc/app.conf, dest: /etc/app.conf, mode: "0640" {"}"}
                  - {"{"} src: desired/etc/other.conf, dest: /etc/other.conf, mode: "0600" {"}"}
            """);

        var wrongName = await CliRunner.RunAsync(["revert", "--target", "nope", "--yes"], cwd: tree.Root);
        var result = await CliRunner.RunAsync(["revert", "--target", "remote", "--yes", "--no-send", "--format", "json"], cwd: tree.Root);

        Assert.Equal(2, wrongName.ExitCode);
        Assert.Equal("gitops-status: --target \"nope\" is not a target of r; its targets are remote.\n", wrongName.Err);
        Assert.True(result.ExitCode == 0, result.Out + result.Err);
        Assert.Contains("chmod/own /etc/app.conf (mode)", result.Err, StringComparison.Ordinal); // the plan goes to stderr with --format json
        Assert.Equal(Core.Reports.SyncStatus.Synced, Assert.Single(Reports.Parse(result.Out)).SyncStatus);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(tree["actual/etc/app.conf"]));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tree["actual/etc/other.conf"]));
        Assert.Equal("o\n", File.ReadAllText(tree["actual/etc/other.conf"]));
        Assert.DoesNotContain(Backups(tree["actual/etc"]), b => b.Contains("app.conf", StringComparison.Ordinal)); // a mode change keeps no backup
    }
}
