using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>Why a drifted file differs and who wrote it, in one line: "edited by alice via sudo (vim, pid 4242) at 10:31:02 UTC".</summary>
internal static class Origin
{
    /// <summary>Programs that run another as a different user: the one in the parent chain is named after "via".</summary>
    private static readonly string[] Elevators = ["sudo", "su", "doas", "run0", "pkexec"];

    /// <summary>The line, or null when the report says neither why nor who.</summary>
    public static string? Describe(DriftedFile file)
    {
        var why = file.Cause switch
        {
            DriftCause.OtherRevision when file.MatchesRevision is { } revision =>
                $"host has the version of {(revision.Length > 7 ? revision[..7] : revision)}",
            DriftCause.Edited => "edited",
            _ => null,
        };
        if (file.ChangedBy is not { } by)
            return file.Cause == DriftCause.Edited ? "edited by hand: no commit in the file's git history has this content" : why;
        var who = by.LoginUser ?? by.User ?? "?";
        var via = by.LoginUser is { } login && login != by.User
            ? by.Parents?.FirstOrDefault(p => Elevators.Contains(p)) is { } elevator ? $" via {elevator}" : $" as {by.User}"
            : "";
        var at = by.At is { } seen ? $" at {seen.UtcDateTime:HH:mm:ss} UTC" : "";
        var written = $"by {who}{via} ({by.Process}, pid {by.Pid}){at}";
        return why switch
        {
            null => "written " + written,
            "edited" => "edited " + written,
            _ => $"{why}; written {written}",
        };
    }
}
