using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests;

public sealed class ConfigTests : IDisposable
{
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    private Task<CliResult> CheckAsync(params string[] more) =>
        CliRunner.RunAsync(["check", "--format", "json", "--no-send", .. more], cwd: tree.Root);

    [Fact]
    public async Task A_config_maps_files_and_directories_and_reports_repo_paths_and_the_interval()
    {
        tree.Write("repo/files/rsyslog.conf", "main\n");
        tree.Write("repo/files/rsyslog.d/30-lab.conf", "lab\n");
        tree.Write("server/etc/rsyslog.conf", "main\n");
        tree.Write("server/etc/rsyslog.d/30-lab.conf", "edited by hand\n");
        tree.Write("repo/gitops-status.yaml", $"""
            repo: rsyslog
            interval: 2m
            targets:
              - server: rsyslog-lab
                path: {tree["server"]}
                files:
                  - src: files/rsyslog.conf
                    dest: /etc/rsyslog.conf
                  - src: files/rsyslog.d
                    dest: /etc/rsyslog.d
            """);

        var result = await CliRunner.RunAsync(["check", "--format", "json", "--no-send"], cwd: tree["repo"]);

        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(("rsyslog", "rsyslog-lab", 120L), (report.Repo, report.Server, report.IntervalSeconds));
        var file = Assert.Single(report.Files!);
        Assert.Equal(("/etc/rsyslog.d/30-lab.conf", "files/rsyslog.d/30-lab.conf", ChangeKind.Modified), (file.Name, file.RepoPath, file.Change));
    }

    [Theory]
    [InlineData("--interval", "00:10:00", 600L)]
    [InlineData("--interval", "1h30m", 5400L)]
    [InlineData("--interval", "1d", 86400L)]
    public async Task The_interval_flag_takes_every_duration_form_the_server_takes(string flag, string value, long seconds)
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));

        var result = await CheckAsync("--repo", "r", "--server", "s", "--desired", desired, "--actual", actual, flag, value);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(seconds, Assert.Single(Reports.Parse(result.Out)).IntervalSeconds);
    }

    [Fact]
    public async Task Include_and_exclude_globs_choose_the_files_on_both_sides()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"), ("notes.txt", "n\n"), ("local.conf", "l\n"), ("sub/deep.conf", "d\n"));
        tree.Write("actual/notes.txt", "changed\n");
        tree.Write("actual/local.conf", "changed\n");
        tree.Write("actual/sub/deep.conf", "changed\n");
        tree.Write("actual/new.conf", "extra\n");
        tree.Write("actual/new.txt", "not watched\n");
        tree.Write("gitops-status.yaml", $"""
            repo: r
            targets:
              - server: s
                path: {actual}
                files:
                  - src: desired
                    dest: /
                    include: ["**/*.conf"]
                    exclude: [local.conf]
                    extra: true
            """);

        var result = await CheckAsync();

        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(["/new.conf", "/sub/deep.conf"], report.Files!.Select(f => f.Name));
        Assert.Equal([ChangeKind.Extra, ChangeKind.Modified], report.Files!.Select(f => f.Change));
    }

    [Fact]
    public async Task Mode_and_owner_are_compared_when_the_mapping_asks()
    {
        var (_, actual) = tree.Pair(("mode.conf", "m\n"), ("owner.conf", "o\n"), ("fine.conf", "f\n"));
        File.SetUnixFileMode(tree["actual/mode.conf"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.SetUnixFileMode(tree["actual/fine.conf"], UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var user = Environment.UserName;
        tree.Write("gitops-status.yaml", $"""
            repo: r
            targets:
              - server: s
                path: {actual}
                files:
                  - {"{"} src: desired/mode.conf, dest: /mode.conf, mode: "0600" {"}"}
                  - {"{"} src: desired/owner.conf, dest: /owner.conf, owner: "nobody:nogroup" {"}"}
                  - {"{"} src: desired/fine.conf, dest: /fine.conf, mode: "600", owner: {user} {"}"}
            """);

        var result = await CheckAsync();
        var text = await CliRunner.RunAsync(["check", "--no-send"], cwd: tree.Root);

        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal([("/mode.conf", ChangeKind.Mode), ("/owner.conf", ChangeKind.Owner)], report.Files!.Select(f => (f.Name!, f.Change!)));
        var group = Processes.Run("id", "-gn").Trim();
        Assert.Equal(("0600", "0644", null, null), (report.Files![0].ExpectedMode, report.Files[0].ActualMode, report.Files[0].ExpectedOwner, report.Files[0].ActualOwner));
        Assert.Equal((null, null, "nobody:nogroup", $"{user}:{group}"), (report.Files![1].ExpectedMode, report.Files[1].ActualMode, report.Files[1].ExpectedOwner, report.Files[1].ActualOwner));
        Assert.Empty(ReportValidator.Validate(report, DateTimeOffset.UtcNow));
        Assert.Contains("  mode      /mode.conf  mode 0600 wanted, 0644 found  (desired/mode.conf)\n", text.Out, StringComparison.Ordinal);
        Assert.Contains($"  owner     /owner.conf  owner nobody:nogroup wanted, {user}:{group} found  (desired/owner.conf)\n", text.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--known-hosts", "known_hosts")]
    [InlineData("--ssh-key", "id_ed25519")]
    [InlineData("--server", "other")]
    public async Task A_one_off_flag_beside_a_config_file_is_refused_rather_than_ignored(string flag, string value)
    {
        tree.Write("gitops-status.yaml", "repo: r\ntargets:\n  - server: s\n    ssh: root@127.0.0.1\n    files:\n      - { src: a.conf, dest: /a.conf }\n");

        var result = await CheckAsync(flag, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"gitops-status: {flag} applies to a one-off check (with --desired) only; with a config file, set it for the target in gitops-status.yaml.\n", result.Err);
    }

    [Fact]
    public async Task A_sensitive_mapping_never_carries_a_diff()
    {
        var (_, actual) = tree.Pair(("app/token.conf", "token=abc\n"));
        tree.Write("actual/app/token.conf", "token=LEAKED\n");
        tree.Write("gitops-status.yaml", $"""
            repo: r
            targets:
              - server: s
                path: {actual}
                files:
                  - src: desired/app
                    dest: /app
                    sensitive: true
            """);

        var result = await CheckAsync();

        var file = Assert.Single(Assert.Single(Reports.Parse(result.Out)).Files!);
        Assert.Equal(ChangeKind.Modified, file.Change);
        Assert.Null(file.Diff);
        Assert.DoesNotContain("LEAKED", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("repo: r\ntargets:\n  - server: s\n    path: /tmp\n    files:\n      - src: a.conf\n        dst: /etc/a.conf\n",
        "gitops-status.yaml, line 7, key \"targets[0].files[0].dst\": is not a known key")]
    [InlineData("repo: r\ntargets:\n  - server: s\n    ssh: \"root@:22\"\n    files:\n      - { src: a.conf, dest: /a }\n",
        "gitops-status.yaml, line 4, key \"targets[0].ssh\": \"root@:22\" has no valid host")]
    [InlineData("repo: r\ntargets:\n  - server: s\n    path: /tmp\n    files:\n      - { src: nope.conf, dest: /a }\n",
        "gitops-status.yaml, line 6, key \"targets[0].files[0].src\": \"nope.conf\" does not exist")]
    [InlineData("repo: r\ninterval: soon\ntargets: []\n",
        "gitops-status.yaml, line 2, key \"interval\": \"soon\" is not a duration")]
    [InlineData("repo: r\ntargets:\n  - server: s\n    path: /tmp\n    files:\n      - { src: a.conf, dest: /a, mode: rw-r--r-- }\n",
        "gitops-status.yaml, line 6, key \"targets[0].files[0].mode\": \"rw-r--r--\" is not an octal mode")]
    [InlineData("repo: r\ntargets:\n  - server: s\n    path: [unclosed\n",
        "gitops-status.yaml, line 5: is not valid YAML")]
    public async Task A_bad_config_is_one_sentence_naming_file_line_and_key_with_exit_code_1(string yaml, string expected)
    {
        tree.Write("a.conf", "a\n");
        tree.Write("gitops-status.yaml", yaml);

        var result = await CheckAsync();

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
        Assert.Single(result.Err.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("check")]
    [InlineData("check", "--format", "xml")]
    [InlineData("check", "--unknown-flag")]
    [InlineData("check", "--desired", ".", "--actual", ".", "--server", "s")]
    [InlineData("check", "--repo", "r", "--server", "bad name", "--desired", ".", "--actual", ".")]
    [InlineData("check", "--parallel", "zero", "--desired", ".", "--actual", ".", "--repo", "r", "--server", "s")]
    [InlineData("push")]
    public async Task Command_line_mistakes_exit_2_with_one_sentence(params string[] args)
    {
        var result = await CliRunner.RunAsync(args, cwd: tree.Root);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("gitops-status: ", result.Err, StringComparison.Ordinal);
        Assert.Single(result.Err.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sending_without_a_server_url_is_a_usage_error_that_says_how_to_give_one()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));

        var result = await CliRunner.RunAsync("check", "--repo", "r", "--server", "s", "--desired", desired, "--actual", actual);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("GITOPS_URL", result.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("check")]
    [InlineData("push")]
    public async Task Help_documents_the_exit_codes_and_environment_settings(string command)
    {
        var result = await CliRunner.RunAsync(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Exit codes: 0 checked and delivered", result.Out, StringComparison.Ordinal);
        Assert.Contains("3 drift found, with --fail-on-drift", result.Out, StringComparison.Ordinal);
        Assert.Contains("GITOPS_URL", result.Out, StringComparison.Ordinal);
        Assert.Contains("GITOPS_TOKEN", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_fall_back_to_GITOPS_environment_variables()
    {
        var (desired, actual) = tree.Pair(("a.conf", "a\n"));
        var env = new Dictionary<string, string>
        {
            ["GITOPS_REPO"] = "from-env",
            ["GITOPS_SERVER"] = "env-server",
            ["GITOPS_NO_SEND"] = "true",
            ["GITOPS_FORMAT"] = "json",
            ["GITOPS_REVISION"] = "abc123",
        };

        var result = await CliRunner.RunAsync(["check", "--desired", desired, "--actual", actual], env);

        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(("from-env", "env-server", "abc123"), (report.Repo, report.Server, report.Revision));
    }
}
