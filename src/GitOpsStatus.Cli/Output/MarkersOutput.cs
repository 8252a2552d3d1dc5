using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Output;

/// <summary>
/// <c>--format markers</c>: the seed's drift-check lines for pipelines that grep them, one block per target:
/// <c>REPO=</c>, <c>SERVER=</c>, <c>DRIFTED_FILES=a,b</c>, <c>SYNC_STATUS=SYNCED|OUT_OF_SYNC|UNKNOWN</c>, and <c>ERROR=</c> when UNKNOWN.
/// </summary>
internal static class MarkersOutput
{
    public static void Write(IReadOnlyList<StatusReport> reports, TextWriter output)
    {
        for (var i = 0; i < reports.Count; i++)
        {
            var report = reports[i];
            if (i > 0)
                output.WriteLine();
            output.WriteLine($"REPO={report.Repo}");
            output.WriteLine($"SERVER={report.Server}");
            output.WriteLine($"DRIFTED_FILES={string.Join(',', (report.Files ?? []).Select(f => f.Name))}");
            output.WriteLine($"SYNC_STATUS={report.SyncStatus}");
            if (report.Error is { } error)
                output.WriteLine($"ERROR={error.ReplaceLineEndings(" ")}");
        }
    }
}
