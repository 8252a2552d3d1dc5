using System.Text;
using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Notifications;

/// <summary>
/// What a webhook receives. A URL written <c>slack+https://…</c> gets Slack's incoming-webhook body
/// (<c>{"text": …}</c>, also understood by Mattermost, Rocket.Chat and Teams' Slack-compatible hooks)
/// posted to the URL without the prefix; any other URL gets the generic JSON event.
/// </summary>
public static class WebhookBody
{
    public const string SlackPrefix = "slack+";

    /// <summary>The dashboard page of a target, relative to <c>GITOPS_PUBLIC_URL</c>.</summary>
    public static string DashboardPath(string repo, string server) => $"/targets/{Uri.EscapeDataString(server)}/{repo}";

    /// <summary>The address to POST to and the body, for one outbox row.</summary>
    public static (Uri Url, byte[] Body) For(string configuredUrl, Transition t, ServerOptions options)
    {
        var slack = configuredUrl.StartsWith(SlackPrefix, StringComparison.OrdinalIgnoreCase);
        var url = new Uri(slack ? configuredUrl[SlackPrefix.Length..] : configuredUrl);
        var link = (options.PublicUrl ?? "") + DashboardPath(t.Repo, t.Server);
        return (url, slack ? Slack(t, link) : Generic(t, link));
    }

    /// <summary>
    /// <c>{"event","repo","server","from","to","at","drift_count","files","revision","error","detection","cause","url"}</c>: <c>event</c> is
    /// <c>transition</c>, <c>recovery</c> (back to SYNCED), <c>reminder</c>, <c>unacknowledged</c>, <c>flapping</c> (its status keeps changing: nothing
    /// more until it settles) or <c>settled</c> (a flapping target went a whole window without a change; <c>to</c> is its status now); <c>from</c> is null for a new target; <c>error</c>
    /// is the report's (why an UNKNOWN could not check), null when it gave none; <c>detection</c> is the report's detection mode
    /// and <c>cause</c> the target's (<c>edited</c> or <c>other_revision</c>, <see cref="TargetRules.CauseOf"/>), null when not said
    /// and in the sweep's STALE and in reminders.
    /// </summary>
    public static byte[] Generic(Transition t, string link)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", t.Kind);
            json.WriteString("repo", t.Repo);
            json.WriteString("server", t.Server);
            json.WriteString("from", t.From);
            json.WriteString("to", t.To);
            json.WriteString("at", Time.Iso(t.At));
            json.WriteNumber("drift_count", t.DriftCount);
            json.WritePropertyName("files");
            json.WriteRawValue(t.FilesJson);
            json.WriteString("revision", t.Revision);
            json.WriteString("error", t.Error);
            json.WriteString("detection", t.Detection);
            json.WriteString("cause", t.Cause);
            json.WriteString("url", link);
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static byte[] Slack(Transition t, string link)
    {
        var files = JsonSerializer.Deserialize(t.FilesJson, WebhookJson.Default.StringArray) ?? [];
        var text = new StringBuilder();
        // One icon per status: at a glance, "not heard from" (STALE) is not "could not check" (UNKNOWN).
        var icon = t.Kind == Transition.Flapping ? ":warning:" : t.To switch
        {
            SyncStatus.Synced => ":large_green_circle:",
            SyncStatus.OutOfSync => ":red_circle:",
            SyncStatus.Stale => ":hourglass:",
            _ => ":grey_question:",
        };
        var what = t.Kind switch
        {
            Transition.Recovery => "is back in sync",
            Transition.Reminder => $"is still {t.To}",
            Transition.Flapping => $"is flapping (went {t.From} → {t.To}); its changes are not announced until it settles",
            Transition.Settled => $"has settled: {t.To}",
            _ => t.From is null ? $"is {t.To}" : $"went {t.From} → {t.To}",
        };
        text.Append(icon).Append(' ').Append('*').Append(Escape(t.Repo)).Append("* on *").Append(Escape(t.Server)).Append("* ").Append(what);
        if (files.Length > 0)
            text.Append(": ").Append(Escape(string.Join(", ", files.Take(10)))).Append(files.Length > 10 ? $" and {files.Length - 10} more" : "");
        if (t.Error is not null)
            text.Append(": ").Append(Escape(t.Error));
        if (t.Cause is { } cause)
            text.Append(cause == DriftCause.Edited ? " — edited by hand" : " — the host has another revision's version");
        if (t.Detection == DetectionMode.Degraded)
            text.Append(" (agent detection degraded)");
        if (t.Revision is not null)
            text.Append(" (revision ").Append(Escape(t.Revision)).Append(')');
        text.Append(" <").Append(link).Append("|details>");

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("text", text.ToString());
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>Slack's mrkdwn needs only &amp;, &lt; and &gt; escaped.</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class WebhookJson : System.Text.Json.Serialization.JsonSerializerContext;
