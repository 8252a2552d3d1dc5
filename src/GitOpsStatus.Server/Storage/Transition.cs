using System.Text;
using System.Text.Json;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// A change of a target's announced status, as queued in the outbox: <c>transition</c> (into trouble or
/// between kinds of it), <c>recovery</c> (back to SYNCED), <c>reminder</c> (still in trouble), <c>unacknowledged</c> (an acknowledgement ended), <c>flapping</c> or <c>settled</c>.
/// <c>At</c> is when it happened (Unix ms); <c>FilesJson</c> is a JSON array of the drifted file names; <c>Error</c> is the report's
/// error (why it could not check, with UNKNOWN), null for the sweep's STALE and for reminders; so are <c>Detection</c> (the report's
/// detection mode) and <c>Cause</c> (the target's, <see cref="Targets.TargetRules.CauseOf"/>).
/// </summary>
public sealed record Transition(string Kind, string Repo, string Server, string? From, string To, long At, int DriftCount, string FilesJson, string? Revision,
    string? Error = null, string? Detection = null, string? Cause = null)
{
    public const string Changed = "transition";
    public const string Recovery = "recovery";
    public const string Reminder = "reminder";

    /// <summary>An acknowledgement ended (expired, deleted, or the drifted content changed) while the status stayed: loud again.</summary>
    public const string Unacknowledged = "unacknowledged";

    /// <summary>The target started flapping (<see cref="Targets.TargetRules.Notice"/>): its changes are not announced until it settles.</summary>
    public const string Flapping = "flapping";

    /// <summary>A flapping target went a whole window without a change; <c>To</c> is its status now.</summary>
    public const string Settled = "settled";

    public static Transition Of(IncomingReport incoming, string? from, string to, long at)
    {
        var r = incoming.Report;
        return new Transition(KindOf(to), r.Repo!, r.Server!, from, to, at, (int)(r.DriftCount ?? 0),
            FilesJsonOf(r.Files?.Select(f => f.Name!) ?? []), r.Revision, r.Error, r.Detection, incoming.Cause);
    }

    public static string KindOf(string to) => to == SyncStatus.Synced ? Recovery : Changed;

    public static string FilesJsonOf(IEnumerable<string> names)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var name in names)
                json.WriteStringValue(name);
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
