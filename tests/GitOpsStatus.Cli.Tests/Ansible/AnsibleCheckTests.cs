using GitOpsStatus.Cli.Tests.Fixtures;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests.Ansible;

/// <summary><c>gitops-status ansible</c> with the real ansible-playbook, against local directories and the real sshd.</summary>
public sealed class AnsibleCheckTests(SshServer sshd) : IClassFixture<SshServer>, IDisposable
{
    private readonly PlaybookTree book = new();

    public void Dispose() => book.Dispose();

    private Task<CliResult> CheckAsync(string inventory, params string[] more) =>
        CliRunner.RunAsync(["ansible", book.Playbook, "-i", inventory, "--repo", "rsyslog", "--format", "json", "--no-send", .. more]);

    [Fact]
    public async Task Deployed_hosts_are_SYNCED_and_hand_edits_show_up_as_drifted_files_with_their_diffs()
    {
        var (one, two) = (book.Host("lab-1"), book.Host("lab-2"));
        var inventory = book.Inventory(PlaybookTree.Local("lab-1", one), PlaybookTree.Local("lab-2", two));
        book.Deploy(inventory);

        var clean = await CheckAsync(inventory);
        Assert.Equal(0, clean.ExitCode);
        Assert.All(Reports.Parse(clean.Out), r => Assert.Equal((SyncStatus.Synced, 0L), (r.SyncStatus, r.DriftCount)));

        File.WriteAllText(Path.Join(one, "etc/rsyslog.conf"), "module(load=\"imuxsock\")\n*.* @@logs.example:514\n*.debug /var/log/debug\n");
        File.WriteAllText(Path.Join(one, "etc/rsyslog.d/30-lab.conf"), "# managed by ansible\n*.info @old-logs.example\n");
        File.WriteAllText(Path.Join(one, "etc/default/rsyslog"), "# options removed by hand\n");

        var drifted = await CheckAsync(inventory);

        Assert.Equal(0, drifted.ExitCode);
        var reports = Reports.Parse(drifted.Out).ToDictionary(r => r.Server!);
        Assert.Equal(SyncStatus.Synced, reports["lab-2"].SyncStatus);
        var report = reports["lab-1"];
        Assert.Equal(SyncStatus.OutOfSync, report.SyncStatus);
        Assert.Equal(["/etc/default/rsyslog", "/etc/rsyslog.conf", "/etc/rsyslog.d/30-lab.conf"],
            report.Files!.Select(f => f.Name!));
        Assert.All(report.Files!, f => Assert.Equal(ChangeKind.Modified, f.Change));
        // Desired → actual, as the checker prints it: the hand-made lines are the + lines.
        Assert.Contains(" *.* @@logs.example:514\n+*.debug /var/log/debug\n", report.File("/etc/rsyslog.conf").Diff, StringComparison.Ordinal);
        Assert.Contains(" # options removed by hand\n-RSYSLOGD_OPTIONS=\"-iNONE\"\n", report.File("/etc/default/rsyslog").Diff, StringComparison.Ordinal);
        Assert.Contains("-*.info @logs.example\n+*.info @old-logs.example\n", report.File("/etc/rsyslog.d/30-lab.conf").Diff, StringComparison.Ordinal);
        Assert.Empty(ReportValidator.Validate(report, DateTimeOffset.UtcNow));
        Assert.Equal("module(load=\"imuxsock\")\n*.* @@logs.example:514\n*.debug /var/log/debug\n", File.ReadAllText(Path.Join(one, "etc/rsyslog.conf")));
    }

    [Fact]
    public async Task A_file_missing_from_a_host_is_missing_and_extra_ansible_args_pass_through()
    {
        var root = book.Host("lab-1");
        var inventory = book.Inventory(PlaybookTree.Local("lab-1", root));
        book.Deploy(inventory);
        File.Delete(Path.Join(root, "etc/rsyslog.d/30-lab.conf"));

        // -e after -- reaches ansible-playbook: the template now wants another server.
        var result = await CheckAsync(inventory, "--", "-e", "log_server=new-logs.example");

        var file = Assert.Single(Assert.Single(Reports.Parse(result.Out)).Files!);
        Assert.Equal(("/etc/rsyslog.d/30-lab.conf", ChangeKind.Missing), (file.Name, file.Change));
        Assert.Contains("-*.info @new-logs.example\n", file.Diff, StringComparison.Ordinal);
        Assert.Null(file.ActualSha256);
    }

    [Fact]
    public async Task Drift_on_a_host_reached_over_ssh_is_reported_under_its_mapped_server_name()
    {
        var root = book.Host("remote");
        var ssh = $"remote ansible_host=127.0.0.1 ansible_port={sshd.Port} ansible_user={sshd.User} ansible_ssh_private_key_file={sshd.UserKey} " +
            $"ansible_ssh_common_args='-o UserKnownHostsFile={sshd.KnownHosts} -o StrictHostKeyChecking=yes' ansible_python_interpreter=/usr/bin/python3 root={root}";
        var inventory = book.Inventory(ssh);
        book.Deploy(inventory);
        File.AppendAllText(Path.Join(root, "etc/rsyslog.conf"), "*.* @@rogue.example\n");

        var result = await CheckAsync(inventory, "--server-map", "remote=rsyslog-lab");

        Assert.Equal(0, result.ExitCode);
        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(("rsyslog-lab", SyncStatus.OutOfSync), (report.Server, report.SyncStatus));
        var file = Assert.Single(report.Files!);
        Assert.Equal("/etc/rsyslog.conf", file.Name);
        Assert.Contains("+*.* @@rogue.example\n", file.Diff, StringComparison.Ordinal);
        Assert.StartsWith($"--- ansible:{file.Name}\n+++ rsyslog-lab:{file.Name}\n", file.Diff, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_are_named_by_their_path_on_the_server_and_hosts_outside_the_playbook_are_not_reported()
    {
        var root = book.Host("lab-1");
        var inventory = book.Tree.Write("groups.ini", $"[lab]\n{PlaybookTree.Local("lab-1", root)}\n[db]\ndb-1 ansible_connection=local root=/nonexistent\n");
        var playbook = book.Tree.Write("lab.yml", File.ReadAllText(book.Playbook).Replace("- hosts: all", "- hosts: lab", StringComparison.Ordinal));

        var result = await CliRunner.RunAsync(["ansible", playbook, "-i", inventory, "--repo", "rsyslog", "--format", "json", "--no-send"]);

        Assert.Equal(0, result.ExitCode);
        var report = Assert.Single(Reports.Parse(result.Out)); // db-1 is in the inventory but not in the play
        Assert.Equal("lab-1", report.Server);
        Assert.Equal(["/etc/default/rsyslog", "/etc/rsyslog.conf", "/etc/rsyslog.d/30-lab.conf"], report.Files!.Select(f => f.Name!));
        Assert.DoesNotContain(root, result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_host_is_UNKNOWN_with_the_error_and_exit_code_1_while_the_others_are_reported()
    {
        var root = book.Host("lab-1");
        book.Deploy(book.Inventory(PlaybookTree.Local("lab-1", root)));
        var inventory = book.Inventory(PlaybookTree.Local("lab-1", root),
            $"gone ansible_host=127.0.0.1 ansible_port={Processes.FreePort()} ansible_user=root ansible_ssh_common_args='-o StrictHostKeyChecking=no' root=/nonexistent");

        var result = await CheckAsync(inventory);

        Assert.Equal(1, result.ExitCode);
        var reports = Reports.Parse(result.Out).ToDictionary(r => r.Server!);
        Assert.Equal(SyncStatus.Synced, reports["lab-1"].SyncStatus);
        var gone = reports["gone"];
        Assert.Equal((SyncStatus.Unknown, 0L), (gone.SyncStatus, gone.DriftCount));
        Assert.StartsWith("unreachable at task \"rsyslog.conf\":", gone.Error, StringComparison.Ordinal);
        Assert.Contains("Connection refused", gone.Error, StringComparison.Ordinal);
        Assert.Empty(ReportValidator.Validate(gone, DateTimeOffset.UtcNow));
    }

    [Fact]
    public async Task A_failing_task_makes_its_host_UNKNOWN_with_ansibles_message()
    {
        var root = book.Host("lab-1");
        File.Delete(book.Tree["templates/30-lab.conf.j2"]);
        var inventory = book.Inventory(PlaybookTree.Local("lab-1", root));

        var result = await CheckAsync(inventory);

        Assert.Equal(1, result.ExitCode);
        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(SyncStatus.Unknown, report.SyncStatus);
        Assert.StartsWith("failed at task \"lab forwarding\":", report.Error, StringComparison.Ordinal);
        Assert.Contains("30-lab.conf.j2", report.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reports_are_delivered_and_visible_in_status_json()
    {
        using var server = new StatusServer();
        var root = book.Host("lab-1");
        var inventory = book.Inventory(PlaybookTree.Local("lab-1", root));
        book.Deploy(inventory);
        File.AppendAllText(Path.Join(root, "etc/rsyslog.conf"), "# hand edit\n");

        var result = await CliRunner.RunAsync(["ansible", book.Playbook, "-i", inventory, "--repo", "rsyslog", "--url", server.Url,
            "--server-map", "lab-1=rsyslog-lab", "--source", "cron", "--retries", "0", "--spool-dir", book.Tree["spool"]]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("rsyslog-lab  OUT_OF_SYNC  1 drifted file", result.Out, StringComparison.Ordinal);
        var row = (await server.TargetsAsync())["rsyslog-lab"];
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.Equal("/etc/rsyslog.conf", row.GetProperty("files").GetString());
        Assert.Equal("cron", row.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Mistakes_on_the_command_line_exit_2_with_one_sentence()
    {
        var noRepo = await CliRunner.RunAsync("ansible", book.Playbook, "-i", "inventory.ini", "--no-send");
        var noInventory = await CliRunner.RunAsync("ansible", book.Playbook, "--repo", "r", "--no-send");
        var badMap = await CliRunner.RunAsync("ansible", book.Playbook, "-i", "x", "--repo", "r", "--server-map", "lab-1", "--no-send");

        Assert.Equal((2, "gitops-status: The ansible check needs --repo NAME (or GITOPS_REPO): the repo the playbook comes from.\n"), (noRepo.ExitCode, noRepo.Err));
        Assert.Equal((2, "gitops-status: The ansible check needs an inventory: pass -i INVENTORY, or name it in ansible.cfg (inventory = … under [defaults]) or ANSIBLE_INVENTORY.\n"), (noInventory.ExitCode, noInventory.Err));
        Assert.Equal(2, badMap.ExitCode);
        Assert.Contains("--server-map \"lab-1\" is not HOST=SERVER", badMap.Err, StringComparison.Ordinal);
    }
    [Fact]
    public async Task An_inventory_named_in_ansible_cfg_needs_no_i()
    {
        var root = book.Host("lab-1");
        var inventory = book.Inventory(PlaybookTree.Local("lab-1", root));
        book.Deploy(inventory);
        File.AppendAllText(Path.Join(root, "etc/rsyslog.conf"), "# hand edit\n");
        var project = book.Tree.Write("project/ansible.cfg", $"[defaults]\ninventory = {inventory}\n");

        var result = await CliRunner.RunAsync(["ansible", book.Playbook, "--repo", "rsyslog", "--format", "json", "--no-send"], cwd: Path.GetDirectoryName(project));

        Assert.True(result.ExitCode == 0, result.Err);
        var report = Assert.Single(Reports.Parse(result.Out));
        Assert.Equal(("lab-1", SyncStatus.OutOfSync), (report.Server, report.SyncStatus));
    }
}
