using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using GitOpsStatus.Core.Drift.Realtime;
using GitOpsStatus.Core.Drift.Ssh;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift;

/// <summary>
/// Checks one target at a time (call it concurrently for many): desired hashes and the target's scan run side by side,
/// then contents of differing, non-sensitive files are fetched for diffs. A target that cannot be reached or read
/// becomes an UNKNOWN report with the reason; it never throws for that.
/// </summary>
public sealed class DriftChecker
{
    /// <summary>Diff bytes per report, so a report with many drifted files stays under the server's 1 MiB body limit.</summary>
    public const int ReportDiffBudget = 768 * 1024;

    public static readonly string CheckerName = "gitops-status/" + Version();

    private readonly CheckPlan plan;
    private readonly CheckOptions options;
    private readonly string repoRoot;
    private readonly string? revision;
    private readonly bool inCheckout;
    private readonly ConcurrentDictionary<string, string?> desiredHashes = new(StringComparer.Ordinal);

    public DriftChecker(CheckPlan plan, CheckOptions options)
    {
        this.plan = plan;
        this.options = options;
        var git = GitRevision.Find(plan.DesiredRoot);
        repoRoot = git?.Root ?? Path.GetFullPath(plan.DesiredRoot);
        revision = options.Revision ?? git?.Commit;
        inCheckout = git is not null;
    }

    public Task<StatusReport> CheckAsync(TargetSpec target, CancellationToken cancellationToken) =>
        ReportAsync(target, () => CompareAsync(target, live: null, cancellationToken));

    /// <summary>A full check that keeps what it compared in <paramref name="live"/>, for <see cref="RecheckAsync"/>.</summary>
    public Task<StatusReport> CheckAsync(TargetSpec target, LiveTarget live, CancellationToken cancellationToken) =>
        ReportAsync(target, () => CompareAsync(target, live, cancellationToken));

    /// <summary>
    /// The report of a live target after <paramref name="changed"/> paths changed: only those are hashed again (and the
    /// extra-file listings they are in listed again); the rest is what the last full check or recheck saw.
    /// </summary>
    public Task<StatusReport> RecheckAsync(TargetSpec target, LiveTarget live, IReadOnlyCollection<string> changed, CancellationToken cancellationToken) =>
        ReportAsync(target, async () =>
        {
            var request = live.RequestFor(changed);
            await using var actual = Open(target);
            live.Merge(request, await actual.ScanAsync(request, cancellationToken));
            return await FindingsAsync(live.Plan!, live.DesiredHashes!, live.Snapshot, actual, target.Server, live.Diffs, cancellationToken);
        });

    private async Task<StatusReport> ReportAsync(TargetSpec target, Func<Task<List<Finding>>> compare)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var report = new StatusReport
        {
            Repo = plan.Repo,
            Server = target.Server,
            LastCheck = started,
            Revision = revision,
            Source = options.Source,
            IntervalSeconds = options.IntervalSeconds ?? plan.IntervalSeconds,
            Checker = CheckerName,
        };
        try
        {
            var findings = await compare();
            return report with
            {
                SyncStatus = findings.Count == 0 ? SyncStatus.Synced : SyncStatus.OutOfSync,
                DriftCount = findings.Count,
                Files = findings.Select(f => f.File).ToList(),
                DurationMs = clock.ElapsedMilliseconds,
            };
        }
        catch (Exception e) when (e is TargetUnavailableException or IOException or UnauthorizedAccessException or FormatException)
        {
            var error = e.Message.Length <= ReportValidator.MaxErrorLength ? e.Message : e.Message[..(ReportValidator.MaxErrorLength - 1)] + "…";
            return report with { SyncStatus = SyncStatus.Unknown, DriftCount = 0, Files = [], Error = error, DurationMs = clock.ElapsedMilliseconds };
        }
    }

    private async Task<List<Finding>> CompareAsync(TargetSpec target, LiveTarget? live, CancellationToken cancellationToken)
    {
        // SSH connects first: its handshake (most of a remote check) overlaps planning the desired files.
        await using var actual = Open(target);
        var (targetPlan, request, desired, snapshot) = await ScanAsync(actual, target, cancellationToken);
        if (live is not null)
            snapshot = live.Reset(targetPlan, request, desired, snapshot);
        return await FindingsAsync(targetPlan, desired, snapshot, actual, target.Server, live?.Diffs, cancellationToken);
    }

    /// <summary>The top of the desired files' git checkout (or the desired root outside one): where a report's repo paths start.</summary>
    public string RepoRoot => repoRoot;

    /// <summary>Opens a target's files: a local directory, or an SSH connection started now (see <see cref="SshActualFiles.Connect"/>).</summary>
    public IActualFiles Open(TargetSpec target) => target.Location switch
    {
        SshLocation ssh => SshActualFiles.Connect(ssh, options),
        _ => new LocalActualFiles(target.Location.Root),
    };

    /// <summary>The drift of one target, without diffs, through files opened with <see cref="Open"/>: what a check reports and what revert and adopt act on.</summary>
    public async Task<(TargetPlan Plan, List<Finding> Findings)> FindAsync(IActualFiles actual, TargetSpec target, CancellationToken cancellationToken)
    {
        var (targetPlan, _, desired, snapshot) = await ScanAsync(actual, target, cancellationToken);
        return (targetPlan, DriftComparer.Compare(targetPlan, desired, snapshot));
    }

    private async Task<(TargetPlan Plan, ScanRequest Request, string?[] Desired, ActualSnapshot Snapshot)> ScanAsync(IActualFiles actual, TargetSpec target,
        CancellationToken cancellationToken)
    {
        var targetPlan = DesiredFiles.Plan(plan.DesiredRoot, repoRoot, target);
        var request = new ScanRequest(
            targetPlan.Files.Select(f => f.TargetPath).Distinct(StringComparer.Ordinal).ToList(),
            targetPlan.ExtraScans.Select(s => s.TargetDir).Distinct(StringComparer.Ordinal).ToList(),
            WantMode: target.Files.Any(m => m.Mode is not null),
            WantOwner: target.Files.Any(m => m.Owner is not null),
            WalkDirectories: targetPlan.WholeDirectories);
        var scan = actual.ScanAsync(request, cancellationToken);
        var desired = Task.Run(() => HashDesired(targetPlan.Files, cancellationToken));
        await Task.WhenAll(scan, desired);
        return (targetPlan, request, desired.Result, scan.Result);
    }

    private async Task<List<Finding>> FindingsAsync(TargetPlan targetPlan, IReadOnlyList<string?> desiredHashes, ActualSnapshot snapshot, IActualFiles actual,
        string server, DiffCache? diffs, CancellationToken cancellationToken)
    {
        var findings = DriftComparer.Compare(targetPlan, desiredHashes, snapshot);
        findings = await AddDiffsAsync(findings, actual, server, diffs, cancellationToken);
        return inCheckout ? await GitHistory.AddCausesAsync(findings, repoRoot, revision, cancellationToken) : findings;
    }

    /// <summary>Desired files are hashed once per run, however many targets share them.</summary>
    private string?[] HashDesired(IReadOnlyList<WantedFile> files, CancellationToken cancellationToken)
    {
        var todo = files.Select(f => f.LocalPath).Where(p => !desiredHashes.ContainsKey(p)).Distinct(StringComparer.Ordinal).ToList();
        var hashes = FileHasher.HashAll(todo, cancellationToken);
        for (var i = 0; i < todo.Count; i++)
            desiredHashes[todo[i]] = hashes[i];
        return files.Select(f => desiredHashes[f.LocalPath]).ToArray();
    }

    /// <summary>What a diff past the report's diff budget becomes.</summary>
    private const string Omitted = "[diff omitted: the report's diff budget is used up by earlier files]\n";

    private async Task<List<Finding>> AddDiffsAsync(List<Finding> findings, IActualFiles actual, string server, DiffCache? cache, CancellationToken cancellationToken)
    {
        var modified = findings.Where(f => f.File.Change == ChangeKind.Modified && f.Wanted is { Sensitive: false }).ToList();
        var next = new Dictionary<string, DiffCache.Entry>(StringComparer.Ordinal);
        if (modified.Count == 0)
        {
            cache?.Replace(next);
            return findings;
        }
        var withDiffs = new Dictionary<Finding, DriftedFile>();
        // Symlinks are resolved on the target first: one leading outside its mapped directory, or to a sensitive path,
        // keeps its hashes only; the others are read through their resolved path, the one that was checked.
        var dirs = modified.Select(f => f.Wanted!.TargetDir).Distinct(StringComparer.Ordinal).ToList();
        var resolved = await actual.ResolveAsync([.. modified.Select(f => f.Wanted!.TargetPath), .. dirs], cancellationToken);
        var toDiff = new List<Finding>();
        var readPaths = new List<string>();
        for (var i = 0; i < modified.Count; i++)
        {
            var wanted = modified[i].Wanted!;
            if (Sensitivity.WithheldBecause(wanted, resolved[i], resolved[modified.Count + dirs.IndexOf(wanted.TargetDir)]) is { } reason)
            {
                withDiffs[modified[i]] = modified[i].File with { Diff = $"[diff withheld: {reason}; only hashes are reported]\n" };
                continue;
            }
            toDiff.Add(modified[i]);
            readPaths.Add(resolved[i]!);
        }
        // What the cache does not know is read at once (over SSH, one round trip); the cache holds no content.
        var known = toDiff.Select((f, i) => cache?.Find(f.Wanted!.TargetPath, f.File.ExpectedSha256, f.File.ActualSha256, readPaths[i])).ToList();
        var unknown = Enumerable.Range(0, toDiff.Count).Where(i => known[i] is null).ToList();
        var contents = unknown.Count == 0 ? [] : await actual.ReadAsync(unknown.Select(i => readPaths[i]).ToList(), DiffText.MaxInputBytes, cancellationToken);
        var budget = ReportDiffBudget;
        for (int i = 0, read = 0; i < toDiff.Count; i++)
        {
            var (file, wanted) = (toDiff[i].File, toDiff[i].Wanted!);
            byte[]? desired = null, actualBytes = null;
            var entry = known[i];
            if (entry is null)
            {
                (desired, actualBytes) = (LocalActualFiles.ReadHead(wanted.LocalPath, DiffText.MaxInputBytes), contents[read++]);
                entry = new DiffCache.Entry(file.ExpectedSha256, file.ActualSha256, readPaths[i], DiffText.Kind(desired, actualBytes), Diff: null);
            }
            // Once the budget is below zero every diff is omitted, whatever its length: text files are not diffed then.
            if (entry is { Kind: DiffKind.Text, Diff: null } && budget >= 0)
            {
                if (desired is null) // known, not yet diffed: the budget reaches it now that earlier files were reverted
                {
                    desired = LocalActualFiles.ReadHead(wanted.LocalPath, DiffText.MaxInputBytes);
                    actualBytes = (await actual.ReadAsync([readPaths[i]], DiffText.MaxInputBytes, cancellationToken))[0];
                }
                var kind = DiffText.Kind(desired, actualBytes);
                entry = entry with { Kind = kind, Diff = kind == DiffKind.Text ? DiffText.Build(desired!, actualBytes!, wanted.RepoPath, $"{server}:{wanted.Name}", options.MaxDiffBytes).Diff : null };
            }
            next[wanted.TargetPath] = entry;
            var diff = entry.Kind switch
            {
                DiffKind.None => DiffText.NoDiff,
                DiffKind.Binary => null,
                _ => entry.Diff ?? Omitted,
            };
            if (diff is not null && diff.Length > budget)
                diff = Omitted;
            budget -= diff?.Length ?? 0;
            withDiffs[toDiff[i]] = file with { Diff = diff, Binary = entry.Kind == DiffKind.Binary ? true : null };
        }
        cache?.Replace(next);
        return findings.Select(f => withDiffs.TryGetValue(f, out var file) ? f with { File = file } : f).ToList();
    }

    private static string Version()
    {
        var version = typeof(DriftChecker).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
