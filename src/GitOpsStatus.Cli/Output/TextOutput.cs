using System.Globalization;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Output;

/// <summary>Human text: a line per target, a line per drifted file, coloured on a terminal.</summary>
internal static class TextOutput
{
    private const string Green = "\e[32m", Red = "\e[31m", Yellow = "\e[33m", Dim = "\e[2m", Reset = "\e[0m";

    // diffs: print each file's diff under its line (--diff).
    public static void Write(IReadOnlyList<StatusReport> reports, TextWriter output, bool colour, bool diffs = false)
    {
        string Paint(string text, string code) => colour ? code + text + Reset : text;
        var width = reports.Max(r => r.Server!.Length);
        foreach (var report in reports)
        {
            var (code, detail) = report.SyncStatus switch
            {
                SyncStatus.Synced => (Green, ""),
                SyncStatus.OutOfSync => (Red, $"  {report.DriftCount} drifted file{(report.DriftCount == 1 ? "" : "s")}"),
                _ => (Yellow, $"  {report.Error}"),
            };
            var duration = Paint(string.Create(CultureInfo.InvariantCulture, $"  {report.DurationMs} ms"), Dim);
            output.WriteLine($"{report.Server!.PadRight(width)}  {Paint(report.SyncStatus!, code)}{detail}{duration}");
            foreach (var file in report.Files ?? [])
            {
                output.WriteLine($"  {Paint((file.Change ?? "").PadRight(8), code)}  {file.Name}{Meta(file)}{(file.RepoPath is { } repoPath && repoPath != file.Name ? Paint($"  ({repoPath})", Dim) : "")}");
                if (diffs && file.Diff is { Length: > 0 } diff)
                {
                    foreach (var line in diff.TrimEnd('\n').Split('\n'))
                        output.WriteLine("      " + (line.StartsWith("+++", StringComparison.Ordinal) || line.StartsWith("---", StringComparison.Ordinal) ? line
                            : line.StartsWith('+') ? Paint(line, Green) : line.StartsWith('-') ? Paint(line, Red) : line));
                }
                else if (diffs && file.Binary == true)
                {
                    output.WriteLine(Paint("      (binary: no diff)", Dim));
                }
            }
        }
        int synced = reports.Count(r => r.SyncStatus == SyncStatus.Synced), drifted = reports.Count(r => r.SyncStatus == SyncStatus.OutOfSync);
        var revision = reports[0].Revision is { Length: >= 7 } rev ? $" at {rev[..7]}" : "";
        output.WriteLine(Paint($"{reports[0].Repo}{revision}: {reports.Count} target(s), {synced} synced, {drifted} out of sync, {reports.Count - synced - drifted} unknown", Dim));
    }

    /// <summary>What a mode or owner change is: "0600 wanted, 0644 found".</summary>
    private static string Meta(DriftedFile file) =>
        file.Change == ChangeKind.Mode && (file.ExpectedMode is not null || file.ActualMode is not null) ? $"  mode {file.ExpectedMode ?? "?"} wanted, {file.ActualMode ?? "?"} found"
        : file.Change == ChangeKind.Owner && (file.ExpectedOwner is not null || file.ActualOwner is not null) ? $"  owner {file.ExpectedOwner ?? "?"} wanted, {file.ActualOwner ?? "?"} found"
        : "";
}
