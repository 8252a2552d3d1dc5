using System.Text.RegularExpressions;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Ansible;

/// <summary>
/// Reads the seed's drift-check markers — <c>DRIFTED_FILES=a,b</c> and <c>SYNC_STATUS=SYNCED|OUT_OF_SYNC</c> — from any
/// text: bare lines, or embedded in Ansible's normal output (<c>"msg": "DRIFTED_FILES=a,b"</c>). The checker's own
/// <c>--format markers</c> output (<c>REPO=</c>, <c>SERVER=</c>, <c>ERROR=</c>, one block per target) reads back too.
/// </summary>
public static partial class SeedMarkers
{
    // A value ends at a quote, a backslash (an escaped quote in Ansible's JSON-ish output), or the end of the line.
    [GeneratedRegex(@"(?<![A-Z_])(?<key>REPO|SERVER|DRIFTED_FILES|SYNC_STATUS|ERROR)=(?<value>[^""\\\r\n]*)")]
    private static partial Regex Marker();

    public sealed record Block(string? Repo, string? Server, IReadOnlyList<string>? Files, string? Status, string? Error);

    /// <summary>The marker blocks in order; a new block starts at <c>REPO=</c> or <c>SERVER=</c> once the current one has a status or files.</summary>
    public static IReadOnlyList<Block> Read(string text)
    {
        var blocks = new List<Block>();
        Block? current = null;
        foreach (Match match in Marker().Matches(text))
        {
            var key = match.Groups["key"].Value;
            var value = match.Groups["value"].Value.Trim();
            if (current is not null && key is "REPO" or "SERVER" && (current.Status is not null || current.Files is not null))
            {
                blocks.Add(current);
                current = null;
            }
            current ??= new Block(null, null, null, null, null);
            current = key switch
            {
                "REPO" => current with { Repo = value },
                "SERVER" => current with { Server = value },
                "DRIFTED_FILES" => current with { Files = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) },
                "SYNC_STATUS" => current with { Status = value.ToUpperInvariant() },
                _ => current with { Error = value },
            };
        }
        if (current is not null)
            blocks.Add(current);
        return blocks.Where(b => b.Status is not null || b.Files is not null).ToList();
    }

    /// <summary>
    /// A report per block. Named files mean OUT_OF_SYNC (they are the detail the server shows); no files and SYNCED (or no
    /// status) mean SYNCED; OUT_OF_SYNC without file names, UNKNOWN or anything else is UNKNOWN with the reason.
    /// Repo and server come from the markers, else from the defaults.
    /// </summary>
    public static IReadOnlyList<StatusReport> ToReports(string text, string? repo, string? server, DateTimeOffset now, string? source, long? intervalSeconds)
    {
        var reports = new List<StatusReport>();
        foreach (var block in Read(text))
        {
            var files = (block.Files ?? []).Distinct(StringComparer.Ordinal).Select(f => new DriftedFile { Name = f, Change = ChangeKind.Modified }).ToList();
            var error = block.Status switch
            {
                _ when files.Count > 0 => null,
                SyncStatus.Synced or null => null,
                SyncStatus.OutOfSync => "the drift check printed SYNC_STATUS=OUT_OF_SYNC but no DRIFTED_FILES, so the drifted files are not known",
                _ => block.Error ?? $"the drift check printed SYNC_STATUS={block.Status}",
            };
            reports.Add(new StatusReport
            {
                Repo = block.Repo ?? repo,
                Server = block.Server ?? server,
                SyncStatus = error is not null ? SyncStatus.Unknown : files.Count > 0 ? SyncStatus.OutOfSync : SyncStatus.Synced,
                DriftCount = error is not null ? 0 : files.Count,
                Files = error is not null ? [] : files,
                Error = error,
                LastCheck = now,
                Source = source,
                IntervalSeconds = intervalSeconds,
                Checker = Drift.DriftChecker.CheckerName + " (markers)",
            });
        }
        return reports;
    }
}
