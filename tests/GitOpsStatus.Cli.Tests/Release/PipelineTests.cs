using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests.Release;

/// <summary>
/// Each example pipeline's check job, its commands read from the YAML file as it is, run as the runner would run them —
/// a clean HOME, the job's variables, the secrets it names — on a copy of examples/rsyslog whose inventory points at a
/// real sshd. The checker comes from a feed of the packages the release script made (or its tarball), the playbook
/// runs in check mode over SSH with host keys checked against the known_hosts secret, and the report must arrive at a
/// real status server.
/// </summary>
[Collection("release")]
public sealed class PipelineTests : IDisposable
{
    private readonly ReleaseBuild release;
    private readonly TempTree tree = new();
    private readonly StatusServer server = new();
    private readonly SshServer ssh = new();
    private readonly string repo;
    private readonly string host;

    public PipelineTests(ReleaseBuild release)
    {
        this.release = release;
        var examples = Path.Join(ReleaseBuild.RepoRoot(), "examples/rsyslog");
        repo = tree.Dir("rsyslog");
        Shell.Check($"cp -a '{examples}/.' '{repo}/'");
        // The hosts the team deploys to: here one reached over the loopback sshd, its / a temp directory where
        // rsyslog.conf drifted from git.
        host = tree.Dir("host");
        Shell.Check($"mkdir -p '{host}/etc/rsyslog.d' && cp '{repo}/files/rsyslog.conf' '{host}/etc/' && cp '{repo}'/files/rsyslog.d/*.conf '{host}/etc/rsyslog.d/' && echo '# hand edit' >> '{host}/etc/rsyslog.conf'");
        File.WriteAllText(Path.Join(repo, "ansible/inventory.ini"),
            $"[rsyslog]\nrsyslog-lab ansible_host=127.0.0.1 ansible_port={ssh.Port} ansible_user={ssh.User} ansible_python_interpreter=/usr/bin/python3 root={host}\n");
    }

    public void Dispose()
    {
        ssh.Dispose();
        server.Dispose();
        tree.Dispose();
    }

    private string InRepo(string relative) => Path.Join(repo, relative);

    /// <summary>The secrets and settings a team configures in its CI, here pointing at this test's server, sshd and feed.</summary>
    private Dictionary<string, string> Secrets(string from) => new()
    {
        ["GITOPS_URL"] = server.Url,
        ["GITOPS_TOKEN"] = "",
        ["SSH_PRIVATE_KEY"] = File.ReadAllText(ssh.UserKey).TrimEnd('\n'),
        ["SSH_KNOWN_HOSTS"] = File.ReadAllText(ssh.KnownHosts).TrimEnd('\n'),
        ["GITOPS_STATUS_FROM"] = from,
        ["GITOPS_STATUS_VERSION"] = release.Version,
    };

    /// <summary>
    /// Runs the job's scripts in order as a fresh container would: a clean environment, and a clean home mounted over
    /// this user's home directory in a private mount namespace (ssh takes ~/.ssh from the user database, not from HOME,
    /// so only a real empty home shows that the job itself writes the key and known_hosts). GitHub's GITHUB_ENV and
    /// GITHUB_PATH carry over between steps.
    /// </summary>
    private List<ShellResult> Run(PipelineJob job, Dictionary<string, string>? runner = null)
    {
        var userHome = Shell.Check("getent passwd \"$(id -u)\" | cut -d: -f6").Trim();
        var env = Shell.CleanEnv(userHome);
        foreach (var (name, value) in runner ?? [])
            env[name] = value;
        foreach (var (name, value) in job.Env)
            env[name] = value;
        string[] shell = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", "mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"",
            "clean-home", tree.Dir("home"), userHome, .. job.Shell];
        var results = new List<ShellResult>();
        foreach (var script in job.Scripts)
        {
            var result = Shell.Run(script, cwd: repo, env: env, timeout: TimeSpan.FromMinutes(5), shell: shell);
            results.Add(result);
            Assert.True(result.ExitCode == 0, $"step failed:\n{script}\n{result}");
            if (env.TryGetValue("GITHUB_ENV", out var githubEnv))
            {
                foreach (var line in File.ReadAllLines(githubEnv).Where(l => l.Contains('=', StringComparison.Ordinal)))
                    env[line[..line.IndexOf('=', StringComparison.Ordinal)]] = line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..];
                foreach (var dir in File.ReadAllLines(env["GITHUB_PATH"]))
                    env["PATH"] = dir + ":" + env["PATH"];
            }
        }
        return results;
    }

    private async Task AssertReportArrivedAsync(string source)
    {
        var row = (await server.TargetsAsync())["rsyslog-lab"];
        Assert.Equal(("rsyslog", "OUT_OF_SYNC", source), (row.GetProperty("repo").GetString(), row.GetProperty("sync_status").GetString(), row.GetProperty("source").GetString()));
        Assert.Equal("/etc/rsyslog.conf", row.GetProperty("files").GetString()); // the path on the server, whatever root the inventory uses
    }

    [Fact]
    public async Task Woodpeckers_cron_check_step_installs_the_native_tool_from_the_feed_and_its_report_arrives()
    {
        var job = Pipelines.Woodpecker(InRepo(".woodpecker.yml"), "gitops_sync_check", Secrets(release.Packages));
        job.Env["GITOPS_STATUS_FROM"] = release.Packages; // a team pointing the variable at its own feed
        job.Env["GITOPS_STATUS_VERSION"] = release.Version;

        var output = string.Join('\n', Run(job).Select(r => r.Out));

        Assert.Contains("(Native AOT, linux-x64)", output, StringComparison.Ordinal);
        await AssertReportArrivedAsync("cron");
    }

    [Fact]
    public async Task GitHub_Actions_scheduled_check_job_installs_the_native_tool_from_the_feed_and_its_report_arrives()
    {
        var secrets = Secrets(release.Packages);
        var (job, actions) = Pipelines.GitHub(InRepo(".github/workflows/gitops-status.yml"), "check",
            vars: new Dictionary<string, string> { ["GITOPS_URL"] = server.Url, ["GITOPS_STATUS_FROM"] = release.Packages }, secrets);
        Assert.Equal(release.Packages, job.Env["GITOPS_STATUS_FROM"]);
        job.Env["GITOPS_STATUS_VERSION"] = release.Version;

        var runner = new Dictionary<string, string>
        {
            ["GITHUB_EVENT_NAME"] = "schedule",
            ["GITHUB_ENV"] = tree.Write("github/env", ""),
            ["GITHUB_PATH"] = tree.Write("github/path", ""),
        };
        var output = string.Join('\n', Run(job, runner).Select(r => r.Out));

        Assert.Equal(["actions/checkout@v4", "actions/setup-dotnet@v4"], actions); // what the runner provides here already
        Assert.Contains("(Native AOT, linux-x64)", output, StringComparison.Ordinal);
        await AssertReportArrivedAsync("cron");
    }

    [Fact]
    public async Task GitLabs_check_after_deploy_job_installs_the_native_tool_from_the_feed_and_its_report_arrives()
    {
        var job = Pipelines.GitLab(InRepo(".gitlab-ci.yml"), "check-after-deploy", Secrets(release.Packages));

        var output = string.Join('\n', Run(job).Select(r => r.Out));

        Assert.Contains("(Native AOT, linux-x64)", output, StringComparison.Ordinal);
        await AssertReportArrivedAsync("deploy");
    }

    [Fact]
    public async Task GitLabs_scheduled_job_installs_the_release_tarball_when_the_variable_names_one()
    {
        var job = Pipelines.GitLab(InRepo(".gitlab-ci.yml"), "gitops_sync_check", Secrets("file://" + release.Tarball));

        var output = string.Join('\n', Run(job).Select(r => r.Out));

        Assert.Contains("(Native AOT, linux-x64)", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Join(tree["home"], ".nuget")), "the tarball install used NuGet");
        await AssertReportArrivedAsync("cron");
    }

    [Fact]
    public void Every_pipeline_fills_known_hosts_and_none_turns_host_key_checking_off()
    {
        foreach (var file in new[] { ".woodpecker.yml", ".github/workflows/gitops-status.yml", ".gitlab-ci.yml", "ansible.cfg" })
        {
            var text = File.ReadAllText(InRepo(file));
            Assert.DoesNotContain("StrictHostKeyChecking=no", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("host_key_checking = False", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("ANSIBLE_HOST_KEY_CHECKING", text, StringComparison.Ordinal);
            if (file != "ansible.cfg")
                Assert.Contains("\"$SSH_KNOWN_HOSTS\" > ~/.ssh/known_hosts", text, StringComparison.Ordinal);
        }
    }
}
