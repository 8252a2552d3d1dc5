using System.ComponentModel;
using System.Diagnostics;

namespace GitOpsStatus.Core.Ansible;

/// <summary>What <c>ansible-playbook</c> printed: the JSON document on stdout, the tail of stderr, and its exit code.</summary>
public sealed record PlaybookRun(byte[] Stdout, string Stderr, int ExitCode, long DurationMs);

/// <summary>
/// Runs <c>ansible-playbook --check --diff</c> with a JSON stdout callback, the user's playbook followed by
/// <see cref="AnsibleResults.RootsPlay"/> (which asks each host where its files live, so that names are paths on the server). Check mode changes nothing on the hosts;
/// Ansible's exit code (2 a host failed, 4 unreachable) is not an error here: those hosts become UNKNOWN reports.
/// </summary>
public static class AnsiblePlaybook
{
    private static readonly Lock Gate = new();
    private static string? detected;

    /// <summary>
    /// <c>ansible.posix.json</c> when the collection is installed (Ansible 2.10+ with ansible.posix), else the old
    /// built-in <c>json</c>. Asked once per process with <c>ansible-doc -t callback -l</c>.
    /// </summary>
    public static string StdoutCallback(string ansibleDoc = "ansible-doc")
    {
        lock (Gate)
        {
            if (detected is not null)
                return detected;
            var list = "";
            try
            {
                var start = new ProcessStartInfo(ansibleDoc, ["-t", "callback", "-l"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                start.Environment["ANSIBLE_NOCOLOR"] = "1";
                using var process = Process.Start(start)!;
                _ = process.StandardError.ReadToEndAsync();
                list = process.StandardOutput.ReadToEnd();
                if (!process.WaitForExit(60_000))
                    process.Kill(entireProcessTree: true);
            }
            catch (Win32Exception)
            {
                // No ansible-doc: the built-in name is the best guess; ansible-playbook will say if it is wrong.
            }
            var names = list.Split('\n').Select(l => l.Split(' ', 2)[0].Trim()).ToHashSet(StringComparer.Ordinal);
            return detected = names.Contains("ansible.posix.json") ? "ansible.posix.json" : "json";
        }
    }

    // inventory: -i's value; null leaves the inventory to ansible.cfg or ANSIBLE_INVENTORY.
    public static async Task<PlaybookRun> RunAsync(string program, string playbook, string? inventory, IReadOnlyList<string> extraArgs,
        string workingDirectory, string callback, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        var roots = Path.Join(Path.GetTempPath(), $"gitops-status-roots-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(roots, AnsibleResults.RootsPlay, cancellationToken);
        foreach (var arg in (string[])[playbook, roots, .. inventory is null ? [] : (string[])["-i", inventory], "--check", "--diff", .. extraArgs])
            start.ArgumentList.Add(arg);
        start.Environment["ANSIBLE_STDOUT_CALLBACK"] = callback;
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        start.Environment["ANSIBLE_RETRY_FILES_ENABLED"] = "0";
        try
        {
            return await RunAsync(start, program, cancellationToken);
        }
        finally
        {
            File.Delete(roots);
        }
    }

    private static async Task<PlaybookRun> RunAsync(ProcessStartInfo start, string program, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new FileNotFoundException($"Cannot run \"{program}\": {e.Message}. Install Ansible (apt-get install ansible) or set GITOPS_ANSIBLE_PLAYBOOK to its path.", e);
        }
        using (process)
        {
            using var stdout = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await Task.WhenAll(copy, stderr, process.WaitForExitAsync(cancellationToken));
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            var err = stderr.Result;
            return new PlaybookRun(stdout.ToArray(), err.Length > 2000 ? "…" + err[^2000..] : err, process.ExitCode, clock.ElapsedMilliseconds);
        }
    }
}
