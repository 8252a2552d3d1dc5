using System.Globalization;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>How times and statuses read on the page.</summary>
internal static class Format
{
    /// <summary>CSS class of a status: <c>s-out_of_sync</c>; colours live in the stylesheet.</summary>
    public static string StatusClass(string status) => status switch
    {
        SyncStatus.Synced => "s-synced",
        SyncStatus.OutOfSync => "s-out_of_sync",
        SyncStatus.Stale => "s-stale",
        _ => "s-unknown",
    };

    public static string StatusLabel(string status) => status switch
    {
        SyncStatus.Synced => "Synced",
        SyncStatus.OutOfSync => "Out of sync",
        SyncStatus.Stale => "Stale",
        _ => "Unknown",
    };

    /// <summary>A status badge: the status in words, never colour alone.</summary>
    public static void Badge(Html html, string status) =>
        html.Add($"<span class=\"badge {new RawHtml(StatusClass(status))}\">{status}</span>");

    /// <summary>"3 h ago" with the exact UTC time in the title and the datetime attribute.</summary>
    public static void Ago(Html html, DateTimeOffset time, DateTimeOffset now)
    {
        var iso = Time.Iso(time);
        html.Add($"<time datetime=\"{iso}\" title=\"{iso}\">{Relative(now - time)}</time>");
    }

    public static void Ago(Html html, long unixMilliseconds, DateTimeOffset now) =>
        Ago(html, DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds), now);

    public static string Relative(TimeSpan age)
    {
        var future = age < TimeSpan.Zero;
        var a = future ? -age : age;
        var text = a.TotalSeconds < 10 ? "now"
            : a.TotalMinutes < 1 ? $"{(int)a.TotalSeconds} s"
            : a.TotalHours < 1 ? $"{(int)a.TotalMinutes} min"
            : a.TotalDays < 2 ? $"{(int)a.TotalHours} h"
            : $"{(int)a.TotalDays} d";
        return text == "now" ? "just now" : future ? "in " + text : text + " ago";
    }

    public static string Clock(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>Git commits read best as their first 12 characters; other revisions as they are, cut at 24.</summary>
    public static string ShortRevision(string revision) =>
        revision.Length == 40 && revision.All(char.IsAsciiHexDigit) ? revision[..12]
        : revision.Length > 24 ? revision[..23] + "…"
        : revision;
}
