using System.Buffers;

namespace GitOpsStatus.Core.Reports;

/// <summary>
/// The contract's rules in one place. <see cref="Validate"/> returns every problem at once, so a sender
/// fixes its payload in one round trip.
/// </summary>
public static class ReportValidator
{
    public const int MaxTextLength = 255;
    public const int MaxErrorLength = 4096;
    public const long MaxIntervalSeconds = 31L * 24 * 3600;

    public const int MaxDetectionErrorLength = 1000;

    /// <summary>Bounds of a file's <c>changed_by</c>: names (user, login user, process), the executable's path, the parent chain.</summary>
    public const int MaxChangedByText = 256;
    public const int MaxExeLength = 4096;
    public const int MaxParents = 16;

    /// <summary>A uid is a 32-bit unsigned number on Linux.</summary>
    public const long MaxUid = uint.MaxValue;

    /// <summary>What a 32-bit column (PostgreSQL <c>integer</c>) and every reader holds.</summary>
    public const long MaxDriftCount = int.MaxValue;

    /// <summary>31 days: past 2³¹ (so not a 32-bit number), well under 2⁵³ (JavaScript's exact integers).</summary>
    public const long MaxDurationMs = MaxIntervalSeconds * 1000;

    /// <summary>How far ahead of the server's clock a <c>last_check</c> may be (sender clock skew).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    public static IReadOnlyList<ReportError> Validate(StatusReport report, DateTimeOffset now)
    {
        var errors = new List<ReportError>();
        void Fail(string field, string message) => errors.Add(new ReportError(field, message));

        CheckName(report.Repo, "repo", Names.RepoProblem, Fail);
        CheckName(report.Server, "server", Names.ServerProblem, Fail);
        CheckStatus(report, Fail);

        if (report.LastCheck is { } lastCheck && lastCheck > now + MaxFutureSkew)
            Fail("last_check", $"\"{lastCheck:O}\" is in the future (server time is {now:O}); send the time the check ran");
        if (report.IntervalSeconds is { } interval && interval is < 1 or > MaxIntervalSeconds)
            Fail("interval_seconds", $"{interval} is out of range; expected 1 to {MaxIntervalSeconds} seconds");
        if (report.DurationMs is { } duration && duration is < 0 or > MaxDurationMs)
            Fail("duration_ms", $"{duration} is out of range; expected 0 to {MaxDurationMs} milliseconds (31 days)");
        CheckText(report.Revision, "revision", MaxTextLength, Fail);
        CheckText(report.Source, "source", MaxTextLength, Fail);
        CheckText(report.Checker, "checker", MaxTextLength, Fail);
        CheckDetection(report, Fail);
        CheckFiles(report.Files, now, Fail);
        return errors;
    }

    private static void CheckName(string? value, string field, Func<string, string?> problem, Action<string, string> fail)
    {
        if (value is null)
        {
            fail(field, "is required");
            return;
        }
        if (problem(value) is { } message)
            fail(field, $"{Quote(value)} {message}");
    }

    private static void CheckStatus(StatusReport report, Action<string, string> fail)
    {
        var status = report.SyncStatus;
        var count = report.DriftCount;
        var fileCount = report.Files?.Count;
        if (status is null)
        {
            fail("sync_status", "is required; expected SYNCED, OUT_OF_SYNC or UNKNOWN");
            return;
        }
        if (count is < 0)
            fail("drift_count", $"{count} is negative; expected the number of drifted files");
        else if (count is > MaxDriftCount)
            fail("drift_count", $"{count} is out of range; expected 0 to {MaxDriftCount}");
        if (count is { } c && fileCount is { } f && c >= 0 && c != f)
            fail("files", $"lists {f} file(s) but drift_count is {c}; they must agree");

        switch (status)
        {
            case SyncStatus.Synced:
                if (count is null)
                    fail("drift_count", "is required; expected 0 for SYNCED");
                else if (count > 0)
                    fail("drift_count", $"{count} contradicts sync_status SYNCED; SYNCED means drift_count 0");
                break;
            case SyncStatus.OutOfSync:
                if (count is null)
                    fail("drift_count", "is required; expected the number of drifted files");
                else if (count == 0)
                    fail("drift_count", "0 contradicts sync_status OUT_OF_SYNC; OUT_OF_SYNC means at least one drifted file");
                break;
            case SyncStatus.Unknown:
                if (count is > 0)
                    fail("drift_count", $"{count} is not allowed with UNKNOWN; a server that could not be checked has drift_count 0");
                if (fileCount > 0)
                    fail("files", "must be empty with UNKNOWN; a server that could not be checked has no file list");
                if (string.IsNullOrWhiteSpace(report.Error))
                    fail("error", "is required with UNKNOWN; say why the server could not be checked");
                break;
            default:
                fail("sync_status", $"{Quote(status)} is not a status; expected SYNCED, OUT_OF_SYNC or UNKNOWN");
                break;
        }
        if (status != SyncStatus.Unknown && report.Error is not null)
            fail("error", $"is only allowed with UNKNOWN, not with {Quote(status)}");
        CheckText(report.Error, "error", MaxErrorLength, fail, allowNewlines: true);
    }

    private static void CheckDetection(StatusReport report, Action<string, string> fail)
    {
        if (report.Detection is { } detection && !DetectionMode.All.Contains(detection))
            fail("detection", $"{Quote(detection)} is not a detection mode; expected realtime, scheduled or degraded");
        CheckText(report.DetectionError, "detection_error", MaxDetectionErrorLength, fail);
    }

    private static void CheckFiles(IReadOnlyList<DriftedFile>? files, DateTimeOffset now, Action<string, string> fail)
    {
        if (files is null)
            return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < files.Count; i++)
        {
            var at = $"files[{i}]";
            if (files[i] is not { } file)
            {
                fail(at, "must be an object with a name");
                continue;
            }
            if (file.Name is null)
                fail($"{at}.name", "is required");
            else if (Names.FileNameProblem(file.Name) is { } problem)
                fail($"{at}.name", $"{Quote(file.Name)} {problem}");
            else if (!seen.Add(file.Name))
                fail($"{at}.name", $"{Quote(file.Name)} is listed twice");
            if (file.Change is { } change && !ChangeKind.All.Contains(change))
                fail($"{at}.change", $"{Quote(change)} is not a change kind; expected modified, missing, extra, mode or owner");
            CheckSha(file.ExpectedSha256, $"{at}.expected_sha256", fail);
            CheckSha(file.ActualSha256, $"{at}.actual_sha256", fail);
            if (file.RepoPath is { } repoPath && Names.FileNameProblem(repoPath) is { } pathProblem)
                fail($"{at}.repo_path", $"{Quote(repoPath)} {pathProblem}");
            CheckMode(file.ExpectedMode, $"{at}.expected_mode", fail);
            CheckMode(file.ActualMode, $"{at}.actual_mode", fail);
            CheckText(file.ExpectedOwner, $"{at}.expected_owner", MaxTextLength, fail);
            CheckText(file.ActualOwner, $"{at}.actual_owner", MaxTextLength, fail);
            if (file.Cause is not null || file.MatchesRevision is not null || file.ChangedBy is not null)
                CheckOrigin(file, at, now, fail);
        }
    }

    /// <summary>Why the file differs and who wrote it: only reports that carry either pay for these checks.</summary>
    private static void CheckOrigin(DriftedFile file, string at, DateTimeOffset now, Action<string, string> fail)
    {
        if (file.Cause is { } cause && !DriftCause.All.Contains(cause))
            fail($"{at}.cause", $"{Quote(cause)} is not a cause; expected edited or other_revision");
        if (file.MatchesRevision is { } revision)
        {
            if (file.Cause != DriftCause.OtherRevision)
                fail($"{at}.matches_revision", "is only allowed with cause other_revision");
            if (revision.Length is < 7 or > 64 || revision.AsSpan().ContainsAnyExcept(Hex))
                fail($"{at}.matches_revision", $"{Quote(revision)} is not a git commit; expected 7 to 64 hexadecimal digits");
        }
        else if (file.Cause == DriftCause.OtherRevision)
            fail($"{at}.matches_revision", "is required with cause other_revision; name the commit whose version the host has");

        if (file.ChangedBy is not { } by)
            return;
        var field = $"{at}.changed_by";
        CheckRequiredText(by.User, $"{field}.user", MaxChangedByText, fail);
        CheckRequiredText(by.Process, $"{field}.process", MaxChangedByText, fail);
        CheckText(by.LoginUser, $"{field}.login_user", MaxChangedByText, fail);
        CheckText(by.Exe, $"{field}.exe", MaxExeLength, fail);
        if (by.Uid is not { } uid)
            fail($"{field}.uid", "is required");
        else if (uid is < 0 or > MaxUid)
            fail($"{field}.uid", $"{uid} is out of range; expected 0 to {MaxUid}");
        if (by.Pid is not { } pid)
            fail($"{field}.pid", "is required");
        else if (pid is < 1 or > int.MaxValue)
            fail($"{field}.pid", $"{pid} is out of range; expected 1 to {int.MaxValue}");
        if (by.At is not { } seen)
            fail($"{field}.at", "is required; expected an ISO 8601 timestamp with an offset");
        else if (seen > now + MaxFutureSkew)
            fail($"{field}.at", $"\"{seen:O}\" is in the future (server time is {now:O}); send the time the write was seen");
        if (by.Parents is { } parents)
        {
            if (parents.Count > MaxParents)
                fail($"{field}.parents", $"lists {parents.Count} processes; at most {MaxParents} are allowed");
            for (var i = 0; i < Math.Min(parents.Count, MaxParents); i++)
                CheckRequiredText(parents[i], $"{field}.parents[{i}]", MaxChangedByText, fail);
        }
    }

    private static void CheckRequiredText(string? value, string field, int maxLength, Action<string, string> fail)
    {
        if (string.IsNullOrEmpty(value))
            fail(field, value is null ? "is required" : "must not be empty");
        else
            CheckText(value, field, maxLength, fail);
    }

    private static void CheckMode(string? value, string field, Action<string, string> fail)
    {
        if (value is not null && (value.Length is < 1 or > 5 || value.Any(c => c is < '0' or > '7')))
            fail(field, $"{Quote(value)} is not a file mode; expected octal digits like \"0644\"");
    }

    private static void CheckSha(string? value, string field, Action<string, string> fail)
    {
        if (value is not null && (value.Length != 64 || value.AsSpan().ContainsAnyExcept(Hex)))
            fail(field, $"{Quote(value)} is not a SHA-256; expected 64 hexadecimal digits");
    }

    private static void CheckText(string? value, string field, int maxLength, Action<string, string> fail, bool allowNewlines = false)
    {
        if (value is null)
            return;
        if (value.Length > maxLength)
            fail(field, $"is {value.Length} characters long; at most {maxLength} are allowed");
        var text = allowNewlines ? value.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ') : value;
        var bad = Names.FirstControlChar(text);
        if (bad >= 0)
            fail(field, $"contains the control character U+{(int)value[bad]:X4} at position {bad}; expected printable text");
    }

    /// <summary>Quotes a client value for an error message, escaped and shortened so the message stays readable.</summary>
    public static string Quote(string value)
    {
        var shown = value.Length <= 80 ? value : value[..80] + "…";
        var builder = new System.Text.StringBuilder(shown.Length + 2).Append('"');
        foreach (var c in shown)
            builder.Append(char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
        return builder.Append('"').ToString();
    }
}
