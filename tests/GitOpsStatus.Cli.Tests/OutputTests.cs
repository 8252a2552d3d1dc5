using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests;

public sealed class OutputTests : IDisposable
{
    private readonly TempTree tree = new();

    public void Dispose() => tree.Dispose();

    private void TwoTargets()
    {
        tree.Write("repo/files/rsyslog.conf", "main\n");
        tree.Write("repo/files/rsyslog.d/30-lab.conf", "lab\n");
        foreach (var host in (string[])["lab", "prod"])
        {
            tree.Write($"{host}/etc/rsyslog.conf", "main\n");
            tree.Write($"{host}/etc/rsyslog.d/30-lab.conf", "lab\n");
        }
        tree.Write("lab/etc/rsyslog.conf", "edited\n");
        File.Delete(tree["lab/etc/rsyslog.d/30-lab.conf"]);
        tree.Write("repo/gitops-status.yaml", $"""
            repo: rsyslog
            targets:
              - server: rsyslog-lab
                path: {tree["lab"]}/etc
                files:
                  - {"{"} src: files/rsyslog.conf, dest: rsyslog.conf {"}"}
                  - {"{"} src: files/rsyslog.d, dest: rsyslog.d {"}"}
              - server: rsyslog-prod
                path: {tree["prod"]}/etc
                files:
                  - {"{"} src: files/rsyslog.conf, dest: rsyslog.conf {"}"}
                  - {"{"} src: files/rsyslog.d, dest: rsyslog.d {"}"}
            """);
    }

    [Fact]
    public async Task Markers_print_the_seeds_lines_one_block_per_target()
    {
        TwoTargets();

        var result = await CliRunner.RunAsync(["check", "--format", "markers", "--no-send"], cwd: tree["repo"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""
            REPO=rsyslog
            SERVER=rsyslog-lab
            DRIFTED_FILES=rsyslog.conf,rsyslog.d/30-lab.conf
            SYNC_STATUS=OUT_OF_SYNC

            REPO=rsyslog
            SERVER=rsyslog-prod
            DRIFTED_FILES=
            SYNC_STATUS=SYNCED

            """, result.Out);
    }

    [Fact]
    public async Task Text_names_each_target_and_each_drifted_file_without_colour_when_not_a_terminal()
    {
        TwoTargets();

        var result = await CliRunner.RunAsync(["check", "--no-send"], cwd: tree["repo"]);

        var lines = result.Out.Split('\n');
        Assert.StartsWith("rsyslog-lab   OUT_OF_SYNC  2 drifted files", lines[0], StringComparison.Ordinal);
        Assert.Equal("  modified  rsyslog.conf  (files/rsyslog.conf)", lines[1]);
        Assert.Equal("  missing   rsyslog.d/30-lab.conf  (files/rsyslog.d/30-lab.conf)", lines[2]);
        Assert.StartsWith("rsyslog-prod  SYNCED", lines[3], StringComparison.Ordinal);
        Assert.Equal("rsyslog: 2 target(s), 1 synced, 1 out of sync, 0 unknown", lines[4]);
        Assert.DoesNotContain('\e', result.Out);
    }
    [Fact]
    public async Task Text_with_diff_prints_each_drifted_files_diff_under_its_line()
    {
        TwoTargets();

        var plain = await CliRunner.RunAsync(["check", "--no-send"], cwd: tree["repo"]);
        var result = await CliRunner.RunAsync(["check", "--no-send", "--diff"], cwd: tree["repo"]);
        var json = await CliRunner.RunAsync(["check", "--no-send", "--diff", "--format", "json"], cwd: tree["repo"]);

        var lines = result.Out.Split('\n');
        Assert.Equal("  modified  rsyslog.conf  (files/rsyslog.conf)", lines[1]);
        Assert.Equal(["      --- files/rsyslog.conf", "      +++ rsyslog-lab:rsyslog.conf", "      @@ -1,1 +1,1 @@", "      -main", "      +edited"], lines[2..7]);
        Assert.Equal("  missing   rsyslog.d/30-lab.conf  (files/rsyslog.d/30-lab.conf)", lines[7]);
        Assert.DoesNotContain("+edited", plain.Out, StringComparison.Ordinal);
        Assert.Equal((2, "gitops-status: --diff applies to --format text; --format json carries the diffs in its own way.\n"), (json.ExitCode, json.Err));
    }
}
