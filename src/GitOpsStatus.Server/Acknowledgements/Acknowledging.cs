using System.Globalization;
using System.Security.Claims;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Access;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Targets;
using GitOpsStatus.Server.Writing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Acknowledgements;

/// <summary>
/// Validating and storing an acknowledgement, shared by the API and the dashboard's form. Nothing is stored unless every
/// field is valid, the caller may write for the target and the target is OUT_OF_SYNC now, with the drift it was read with.
/// </summary>
internal static class Acknowledging
{
    public const int MaxReasonLength = 500;
    public const int MaxByLength = 100;

    public static async Task<(Ack? Ack, ProblemHttpResult? Problem)> CreateAsync(string repo, string server, AckBody body, ClaimsPrincipal user,
        IStatusStore store, GroupCommitWriter writer, ServerOptions options, TimeProvider clock, IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = Validate(body, now, out var until);
        if (errors.Count > 0)
            return (null, Problem.Rejected(422, "Invalid acknowledgement", errors));
        if (!await MayWriteAsync(user, repo, server, authorization))
            return (null, AccessPolicies.OutOfScope(user, new ReportTarget(repo, server)));
        var detail = await store.ReadTargetAsync(repo, server, cancellationToken);
        if (detail is null)
            return (null, NotFound(repo, server));
        var status = detail.Row.Derived(now, options).Status;
        if (status != SyncStatus.OutOfSync)
            return (null, Problem.Rejected(409, "Nothing to acknowledge", "sync_status",
                $"\"{repo}\" on \"{server}\" is {status}; only an OUT_OF_SYNC target's drift can be acknowledged"));

        var files = detail.Report.Files ?? [];
        var request = new AckRequest(repo, server, detail.Row.LastCheck, TargetRules.ContentKey(files.Select(f => (f.Name!, f.ActualSha256))),
            Transition.FilesJsonOf(files.Select(f => f.Name!)), body.Reason!.Trim(), By(body, user), until, now.ToUnixTimeMilliseconds());
        var ack = await writer.RunAsync(s => s.Acknowledge(request));
        return ack is null
            ? (null, Problem.Rejected(409, "Target changed", "last_check",
                $"a newer report for \"{repo}\" on \"{server}\" arrived while acknowledging; read the target again and acknowledge what it drifts now"))
            : (ack, null);
    }

    /// <summary>Each bad field with what was expected; <paramref name="until"/> is the end in Unix ms when valid.</summary>
    internal static List<ReportError> Validate(AckBody body, DateTimeOffset now, out long until)
    {
        var errors = new List<ReportError>();
        until = 0;
        if (string.IsNullOrWhiteSpace(body.Reason))
            errors.Add(new("reason", "is required: say why this drift is accepted, e.g. \"incident hotfix, kept until Friday's deploy\""));
        else if (body.Reason.Length > MaxReasonLength)
            errors.Add(new("reason", $"is {body.Reason.Length} characters long; at most {MaxReasonLength} are accepted"));
        if (body.By is { Length: > MaxByLength })
            errors.Add(new("by", $"is {body.By.Length} characters long; at most {MaxByLength} are accepted"));
        var latest = now + TargetRules.MaxAcknowledgement;
        if (string.IsNullOrWhiteSpace(body.Until))
            errors.Add(new("until", $"is required: the date (YYYY-MM-DD, 00:00 UTC) or ISO 8601 time the acknowledgement ends, at most 90 days ahead ({Time.Iso(latest)})"));
        else if (ParseUntil(body.Until.Trim()) is not { } end)
            errors.Add(new("until", $"\"{body.Until}\" is not a date or time; expected YYYY-MM-DD (00:00 UTC) or an ISO 8601 time such as 2026-12-20T17:00:00Z"));
        else if (end <= now)
            errors.Add(new("until", $"\"{body.Until}\" ({Time.Iso(end)}) is not in the future; it is now {Time.Iso(now)}"));
        else if (end > latest)
            errors.Add(new("until", $"\"{body.Until}\" ({Time.Iso(end)}) is more than 90 days ahead; at most {Time.Iso(latest)}"));
        else
            until = end.ToUnixTimeMilliseconds();
        return errors;
    }

    private static DateTimeOffset? ParseUntil(string text)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            && text.Contains('T', StringComparison.Ordinal) ? time : null;
    }

    /// <summary>The admin token may acknowledge any target; a write token those its globs cover, as for reports.</summary>
    public static async Task<bool> MayWriteAsync(ClaimsPrincipal user, string repo, string server, IAuthorizationService authorization) =>
        user.HasClaim(c => c.Type == Rights.Admin) || (await authorization.AuthorizeAsync(user, new ReportTarget(repo, server), AccessPolicies.Target)).Succeeded;

    /// <summary>The given name, else the token that acknowledged (the admin token, or a write token by its scope; tokens have no other name).</summary>
    private static string By(AckBody body, ClaimsPrincipal user) =>
        !string.IsNullOrWhiteSpace(body.By) ? body.By.Trim()
        : user.HasClaim(c => c.Type == Rights.Admin) ? "admin token"
        : user.FindFirst(Rights.Write) is { } write ? $"write token {write.Value}"
        : "anonymous";

    public static ProblemHttpResult NotFound(string repo, string server) =>
        Problem.Rejected(404, "No such target", "repo", $"no target \"{repo}\" on server \"{server}\" is stored; names are case-sensitive (GET /api/targets lists them)");
}
