using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Ansible;

/// <summary>One Ansible check: a playbook run in check mode (or its saved JSON output) and how to name the reports.</summary>
public sealed record AnsibleJob
{
    /// <summary>The playbook; null with <see cref="FromFile"/>.</summary>
    public string? Playbook { get; init; }

    public string? Inventory { get; init; }
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>A saved output of <c>ansible-playbook</c> with the JSON callback, read instead of running Ansible.</summary>
    public string? FromFile { get; init; }

    public string Program { get; init; } = "ansible-playbook";
    public required string WorkingDirectory { get; init; }
    public required AnsibleReportOptions Reports { get; init; }
}

/// <summary>Runs an <see cref="AnsibleJob"/> and returns one report per host.</summary>
public static class AnsibleCheck
{
    public static async Task<IReadOnlyList<StatusReport>> RunAsync(AnsibleJob job, CancellationToken cancellationToken)
    {
        var options = job.Reports with
        {
            LastCheck = DateTimeOffset.UtcNow,
            Revision = job.Reports.Revision ?? GitRevision.Find(job.Playbook is null ? job.WorkingDirectory : Path.GetDirectoryName(job.Playbook)!)?.Commit,
        };
        if (job.FromFile is { } from)
            return AnsibleResults.ToReports(await File.ReadAllBytesAsync(from, cancellationToken), options);

        var callback = AnsiblePlaybook.StdoutCallback();
        var run = await AnsiblePlaybook.RunAsync(job.Program, job.Playbook!, job.Inventory, job.ExtraArgs, job.WorkingDirectory, callback, cancellationToken);
        IReadOnlyList<StatusReport> reports;
        try
        {
            reports = AnsibleResults.ToReports(run.Stdout, options with { DurationMs = options.DurationMs ?? run.DurationMs });
        }
        catch (FormatException)
        {
            throw new TargetUnavailableException($"ansible-playbook exited with {run.ExitCode} without a result: {LastLines(run.Stderr)}");
        }
        // No host ran (e.g. an empty inventory group or a syntax error reported inside the JSON): say so rather than report nothing.
        return reports.Count > 0 || run.ExitCode == 0
            ? reports
            : throw new TargetUnavailableException($"ansible-playbook exited with {run.ExitCode} and no host ran: {LastLines(run.Stderr)}");
    }

    private static string LastLines(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(nothing on stderr)" : string.Join(" ", lines[^Math.Min(3, lines.Length)..]);
    }
}
