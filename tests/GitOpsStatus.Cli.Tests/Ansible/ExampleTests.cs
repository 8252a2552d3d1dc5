using System.Diagnostics;
using System.Runtime.CompilerServices;
using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests.Ansible;

/// <summary>The migration path in MIGRATING.md, on a copy of <c>examples/rsyslog</c> with its demo host, against the real server.</summary>
public sealed class ExampleTests : IDisposable
{
    private readonly TempTree tree = new();
    private readonly StatusServer server = new();
    private readonly string repo;

    public ExampleTests()
    {
        repo = tree.Dir("rsyslog");
        Copy(Path.Join(Here(), "../../../examples/rsyslog"), repo);
    }

    public void Dispose()
    {
        server.Dispose();
        tree.Dispose();
    }

    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static void Copy(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Join(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Join(to, Path.GetRelativePath(from, file)));
    }

    /// <summary>ansible-playbook's normal output, as the seed's pipeline saw it (exit code not checked: drift is not a failure).</summary>
    private string RunPlaybook(string playbook)
    {
        var start = new ProcessStartInfo("ansible-playbook", ["-i", "ansible/inventory.demo.ini", playbook])
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "ansible-playbook did not finish in 120 s");
        Assert.True(process.ExitCode == 0, $"ansible-playbook exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    [Fact]
    public async Task Step_2_the_seeds_drift_check_piped_to_push_markers_shows_the_drift_in_status_json()
    {
        var output = RunPlaybook("ansible/playbooks/drift-check.yml");

        var result = await CliRunner.RunAsync(["push", "--markers", "-", "--repo", "rsyslog", "--server", "rsyslog-demo", "--source", "cron", "--interval", "2m",
            "--url", server.Url, "--retries", "0", "--spool-dir", tree["spool"]], cwd: repo, stdin: output);

        Assert.Equal(0, result.ExitCode);
        var row = (await server.TargetsAsync())["rsyslog-demo"];
        Assert.Equal(("OUT_OF_SYNC", "rsyslog.d/30-lab.conf"), (row.GetProperty("sync_status").GetString(), row.GetProperty("files").GetString()));
    }

    [Fact]
    public async Task Step_3_gitops_status_ansible_on_the_deploy_playbook_reports_the_drifted_file_with_its_diff()
    {
        var result = await CliRunner.RunAsync(["ansible", "ansible/playbooks/site.yml", "-i", "ansible/inventory.demo.ini", "--repo", "rsyslog",
            "--source", "cron", "--interval", "2m", "--format", "json", "--url", server.Url, "--retries", "0", "--spool-dir", tree["spool"]], cwd: repo);

        Assert.Equal(0, result.ExitCode);
        var file = Assert.Single(Assert.Single(Reports.Parse(result.Out)).Files!);
        Assert.Contains("\n-*.* action(type=\"omfwd\" target=\"logs.lab.internal\" port=\"514\" protocol=\"tcp\"\n+*.* action(type=\"omfwd\" target=\"logs.lab.internal\" port=\"6514\"",
            file.Diff, StringComparison.Ordinal);
        var row = (await server.TargetsAsync())["rsyslog-demo"];
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.Equal("/etc/rsyslog.d/30-lab.conf", row.GetProperty("files").GetString()); // the path on the server, not the demo's root
    }

    [Fact]
    public async Task Check_and_ansible_name_the_same_drifted_file_the_same_way_by_its_path_on_the_server()
    {
        var check = await CliRunner.RunAsync(["check", "--no-send", "--format", "json"], cwd: repo);
        var ansible = await CliRunner.RunAsync(["ansible", "ansible/playbooks/site.yml", "-i", "ansible/inventory.demo.ini", "--repo", "rsyslog",
            "--no-send", "--format", "json"], cwd: repo);

        static List<string?> Names(CliResult result) => [.. Assert.Single(Reports.Parse(result.Out)).Files!.Select(f => f.Name)];
        Assert.Equal(["/etc/rsyslog.d/30-lab.conf"], Names(ansible));
        // check also finds the extra file no task manages (extra: true); the file both see has one name.
        Assert.Equal(["/etc/rsyslog.d/30-lab.conf", "/etc/rsyslog.d/99-debug.conf"], Names(check));
    }
}
