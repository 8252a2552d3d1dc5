using System.Globalization;

namespace GitOpsStatus.Core.Drift.Fix;

/// <summary>The copy <c>revert</c> keeps beside each file it overwrites: <c>&lt;file&gt;.gitops-status-backup-&lt;UTC time&gt;</c>.</summary>
public static class Backups
{
    public const string Marker = ".gitops-status-backup-";

    public static string NameFor(string path, DateTimeOffset time) =>
        path + Marker + time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A backup is never reported as an extra file: the revert that left it would otherwise leave the target OUT_OF_SYNC.</summary>
    public static bool IsBackup(string name) => name.Contains(Marker, StringComparison.Ordinal);
}
