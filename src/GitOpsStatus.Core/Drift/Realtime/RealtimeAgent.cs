using System.Runtime;
using System.Threading.Channels;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>
/// The realtime agent: local targets are watched (<see cref="ChangeSources"/>), SSH targets through a watch session of
/// their own (<see cref="SshChangeSource"/>), and, on a change, only the changed paths are hashed again and the target's
/// report is delivered at once. Changes are debounced: events are gathered until
/// <see cref="Quiet"/> passes without one (at most <see cref="MaxDelay"/> after the first), so a burst of writes to one
/// file, or an editor's write-temp-then-rename, is one report; a report equal to the last one delivered is not sent again.
/// The scheduled full check (<see cref="CheckAsync"/>) keeps running and rebuilds the watch. When events are lost (a
/// queue overflow, a watch limit, a failed mark, an SSH watch session that ended) every target they concern is checked
/// in full at once and reported <c>degraded</c> with the reason: the agent never reports SYNCED from events alone after a gap.
/// Full checks, rechecks and their deliveries run one at a time, in order, under one lock.
/// </summary>
public sealed class RealtimeAgent : IAsyncDisposable
{
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(20);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);
    public const int QueueLength = 65_536;

    /// <summary>Drifted files in a report after which the agent compacts its heap (<see cref="CompactAfter"/>).</summary>
    public const int LargeReport = 1_000;

    private readonly Func<IReadOnlyList<StatusReport>, string, CancellationToken, Task> deliver;
    private readonly Action<string> log;
    private readonly bool preferFanotify;
    private readonly Channel<WatchEvent> events = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(QueueLength) { SingleReader = true });
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, Watched> targets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private IChangeSource? source;
    private IReadOnlyList<WatchedDir> sourceDirs = [];
    private DriftChecker? checker;
    private string? lasting;
    private string? gap;
    private int dropped;

    /// <param name="deliver">Sends reports (and logs them): called under the agent's lock, so deliveries stay in order. The text says why.</param>
    /// <param name="log">One line for the agent's log.</param>
    /// <param name="preferFanotify">False: inotify even where fanotify is permitted.</param>
    public RealtimeAgent(Func<IReadOnlyList<StatusReport>, string, CancellationToken, Task> deliver, Action<string> log, bool preferFanotify = true)
    {
        this.deliver = deliver;
        this.log = log;
        this.preferFanotify = preferFanotify;
        loop = Task.Run(LoopAsync);
    }

    private sealed class Watched(TargetSpec spec)
    {
        public TargetSpec Spec { get; set; } = spec;
        public LiveTarget Live { get; } = new();
        public StatusReport? Last { get; set; }

        /// <summary>An SSH target's own watch session.</summary>
        public SshChangeSource? Remote { get; set; }

        /// <summary>An SSH target's events lost since its last scheduled check (its watch kept working).</summary>
        public string? Gap { get; set; }

        public bool IsRemote => Spec.Location is SshLocation;
    }

    /// <summary>
    /// The scheduled full check of every target of <paramref name="plan"/>, delivered through <paramref name="deliverReports"/>
    /// under the lock. The watch is subscribed (or rebuilt) first, then the files are read: a write in between is seen by both.
    /// </summary>
    public async Task<IReadOnlyList<StatusReport>> CheckAsync(CheckPlan plan, CheckOptions options,
        Func<IReadOnlyList<StatusReport>, Task> deliverReports, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            checker = new DriftChecker(plan, options);
            Subscribe(plan);
            gap = null;
            foreach (var server in targets.Keys.Except(plan.Targets.Select(t => t.Server), StringComparer.Ordinal).ToList())
            {
                targets[server].Remote?.Dispose();
                targets.Remove(server);
            }
            var reports = new List<StatusReport>();
            foreach (var target in plan.Targets)
            {
                if (target.Location is not (LocalLocation or SshLocation))
                {
                    reports.Add(await checker.CheckAsync(target, cancellationToken) with { Detection = DetectionMode.Scheduled });
                    continue;
                }
                var watched = targets.TryGetValue(target.Server, out var known) ? known : targets[target.Server] = new Watched(target);
                if (watched.IsRemote != target.Location is SshLocation)
                {
                    watched.Remote?.Dispose();
                    watched = targets[target.Server] = new Watched(target);
                }
                watched.Spec = target;
                if (target.Location is SshLocation ssh)
                    await SubscribeAsync(watched, ssh, plan, options, cancellationToken);
                reports.Add(await FullAsync(watched, cancellationToken));
            }
            await deliverReports(reports);
            CompactAfter(reports);
            return reports;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<StatusReport> FullAsync(Watched watched, CancellationToken cancellationToken)
    {
        var report = Annotate(await checker!.CheckAsync(watched.Spec, watched.Live, cancellationToken), watched);
        watched.Last = report;
        return report;
    }

    /// <summary>
    /// An SSH target's watch session, opened before its full check reads the files (a write in between is seen by both);
    /// one already watching exactly those directories, and whole, is kept.
    /// </summary>
    private async Task SubscribeAsync(Watched watched, SshLocation location, CheckPlan plan, CheckOptions options, CancellationToken cancellationToken)
    {
        watched.Gap = null;
        IReadOnlyList<WatchedDir> dirs;
        try
        {
            dirs = WatchedDir.For(DesiredFiles.Plan(plan.DesiredRoot, checker!.RepoRoot, watched.Spec));
        }
        catch (TargetUnavailableException)
        {
            return; // the check reports it UNKNOWN with the reason
        }
        if (watched.Remote is { Problem: null } kept && dirs.SequenceEqual(kept.Dirs))
            return;
        var reconnect = watched.Remote is not null;
        watched.Remote?.Dispose();
        watched.Remote = null;
        if (dirs.Count == 0)
            return;
        watched.Remote = await SshChangeSource.OpenAsync(watched.Spec.Server, location, options, dirs, Post, cancellationToken);
        if (watched.Remote.Problem is { } problem)
            log($"realtime: degraded: {watched.Spec.Server}: {problem}");
        else if (!reconnect || watched.Last?.Detection == DetectionMode.Degraded)
            log($"realtime: watching {dirs.Count} director{(dirs.Count == 1 ? "y" : "ies")} on {location.Endpoint} with {watched.Remote.Name}");
    }

    /// <summary>Watches the directories of every local target; a source already watching exactly those, and whole, is kept.</summary>
    private void Subscribe(CheckPlan plan)
    {
        var repoRoot = GitRevision.Find(plan.DesiredRoot)?.Root ?? Path.GetFullPath(plan.DesiredRoot);
        var dirs = new List<WatchedDir>();
        foreach (var target in plan.Targets.Where(t => t.Location is LocalLocation))
        {
            try
            {
                dirs.AddRange(WatchedDir.For(DesiredFiles.Plan(plan.DesiredRoot, repoRoot, target)));
            }
            catch (TargetUnavailableException)
            {
                // The check reports it UNKNOWN with the reason.
            }
        }
        dirs = dirs.Distinct().OrderBy(d => d.Path, StringComparer.Ordinal).ToList();
        if (source is not null && lasting is null && dirs.SequenceEqual(sourceDirs))
            return;
        var previous = source?.Name;
        source?.Dispose();
        source = null;
        lasting = null;
        sourceDirs = dirs;
        if (dirs.Count == 0)
            return;
        var (opened, fanotifyProblem) = ChangeSources.Open(dirs, Post, preferFanotify);
        source = opened;
        if (opened.Problem is not null)
            lasting = opened.Problem;
        if (previous != opened.Name)
        {
            log($"realtime: watching {dirs.Count} director{(dirs.Count == 1 ? "y" : "ies")} with {opened.Name}" +
                (fanotifyProblem is null ? "" : $" (fanotify not used: {fanotifyProblem}; changed_by is not reported)"));
        }
        if (lasting is not null)
            log($"realtime: degraded: {lasting}");
    }

    private void Post(WatchEvent change)
    {
        // Known at once, not only when the loop reads it: a report being made now must not claim a watch that just failed.
        if (change is EventsLost { Lasting: true, Target: null } failed)
            Interlocked.CompareExchange(ref lasting, failed.Reason, null);
        if (!events.Writer.TryWrite(change))
            Interlocked.Exchange(ref dropped, 1);
    }

    private async Task LoopAsync()
    {
        var reader = events.Reader;
        var token = stop.Token;
        try
        {
            while (await reader.WaitToReadAsync(token))
            {
                var batch = new List<WatchEvent>();
                var first = DateTimeOffset.UtcNow;
                while (true)
                {
                    while (reader.TryRead(out var next))
                        batch.Add(next);
                    var left = MaxDelay - (DateTimeOffset.UtcNow - first);
                    if (left <= TimeSpan.Zero)
                        break;
                    using var quiet = CancellationTokenSource.CreateLinkedTokenSource(token);
                    quiet.CancelAfter(left < Quiet ? left : Quiet);
                    try
                    {
                        if (!await reader.WaitToReadAsync(quiet.Token))
                            break;
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        break; // quiet: the burst is over
                    }
                }
                await gate.WaitAsync(token);
                try
                {
                    await HandleAsync(batch, token);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or TargetUnavailableException or InvalidOperationException)
                {
                    log($"realtime: a recheck failed ({e.Message.TrimEnd('.')}); the next scheduled check covers it");
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task HandleAsync(List<WatchEvent> batch, CancellationToken cancellationToken)
    {
        if (checker is null)
            return; // before the first full check: it reads everything anyway
        var lost = batch.OfType<EventsLost>().ToList();
        var everything = Interlocked.Exchange(ref dropped, 0) == 1;
        if (everything)
        {
            // The agent's own queue: events of every source, this machine's and each host's, were lost.
            var reason = $"the agent's event queue ({QueueLength:N0}) overflowed: events were lost";
            lost.Add(new EventsLost(reason, Lasting: false));
            lost.AddRange(targets.Values.Where(w => w.IsRemote).Select(w => new EventsLost(reason, Lasting: false, w.Spec.Server)));
        }
        var checkedInFull = new HashSet<Watched>();
        if (lost.Count > 0)
        {
            foreach (var item in lost)
            {
                // A lasting loss is already the source's Problem (or the agent's lasting, through Post); a passing one is a gap.
                var passing = item.Lasting ? null : item.Reason + "; a full check ran";
                if (item.Target is null)
                {
                    if (item.Lasting)
                        lasting ??= item.Reason;
                    else
                        gap = passing;
                    checkedInFull.UnionWith(targets.Values.Where(w => !w.IsRemote));
                }
                else if (targets.GetValueOrDefault(item.Target) is { } remote) // else a target no longer checked
                {
                    remote.Gap = passing ?? remote.Gap;
                    checkedInFull.Add(remote);
                }
            }
            log($"realtime: degraded: {string.Join("; ", lost.Select(l => l.Target is null ? l.Reason : $"{l.Target}: {l.Reason}").Distinct())}; " +
                $"checking {(everything ? "every target" : string.Join(", ", checkedInFull.Select(w => w.Spec.Server)))} in full now");
            var reports = new List<StatusReport>();
            foreach (var watched in checkedInFull)
            {
                watched.Live.Writers.Clear(); // events were lost: the last writer seen may not be the last writer
                reports.Add(await FullAsync(watched, cancellationToken));
            }
            if (reports.Count > 0)
            {
                await deliver(reports, "events lost, full check", cancellationToken);
                CompactAfter(reports);
            }
        }

        var changes = batch.OfType<PathChanged>().ToList();
        var updated = new List<StatusReport>();
        foreach (var watched in targets.Values.Where(w => !checkedInFull.Contains(w)))
        {
            var live = watched.Live;
            var paths = new HashSet<string>(StringComparer.Ordinal);
            var server = watched.IsRemote ? watched.Spec.Server : null;
            foreach (var change in changes.Where(c => c.Target == server && live.Concerns(c.Path)))
            {
                paths.Add(change.Path);
                if (!live.IsWanted(change.Path))
                    continue;
                // The last event on a path names its writer; one without a writer (inotify, a process gone) leaves none: never a guess.
                if (change.Writer is { } writer)
                    live.Writers[change.Path] = writer;
                else
                    live.Writers.Remove(change.Path);
            }
            if (paths.Count == 0)
                continue;
            var report = Annotate(await checker.RecheckAsync(watched.Spec, live, paths, cancellationToken), watched);
            if (Same(report, watched.Last))
                continue;
            watched.Last = report;
            updated.Add(report);
        }
        if (updated.Count > 0)
        {
            await deliver(updated, "change", cancellationToken);
            CompactAfter(updated);
        }
    }

    /// <summary>
    /// One compacting full collection after a report of thousands of drifted files: the garbage of making and sending it
    /// (much of it on the large object heap) otherwise stays mapped while the next recheck adds its own (bench/realtime/run.sh).
    /// </summary>
    private static void CompactAfter(IReadOnlyList<StatusReport> reports)
    {
        if (!reports.Any(r => r.DriftCount >= LargeReport))
            return;
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect();
    }

    /// <summary>The detection mode (an SSH target's from its own watch), and each drifted file's last writer when one was seen.</summary>
    private StatusReport Annotate(StatusReport report, Watched watched)
    {
        var live = watched.Live;
        var why = watched.IsRemote ? (watched.Remote is null ? null : watched.Remote.Problem ?? watched.Gap) : lasting ?? gap;
        var files = report.Files;
        if (files is { Count: > 0 } && live.Writers.Count > 0)
        {
            files = files.Select(f => f.Name is not null && live.PathOf(f.Name) is { } path && live.Writers.TryGetValue(path, out var writer)
                ? f with { ChangedBy = writer }
                : f).ToList();
        }
        // A writer is kept only while its file differs: once synced, the next drift is someone else's until an event says so.
        var drifted = (files ?? []).Select(f => f.Name is null ? null : live.PathOf(f.Name)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var path in live.Writers.Keys.Where(p => !drifted.Contains(p)).ToList())
            live.Writers.Remove(path);
        return report with
        {
            Files = files,
            Detection = why is null ? DetectionMode.Realtime : DetectionMode.Degraded,
            DetectionError = why is null ? null : Bounded(why),
        };
    }

    private static string Bounded(string text) =>
        text.Length <= ReportValidator.MaxDetectionErrorLength ? text : text[..(ReportValidator.MaxDetectionErrorLength - 1)] + "…";

    /// <summary>Whether a report says nothing new: same status, error, detection and files (by name, change, hashes, writer).</summary>
    private static bool Same(StatusReport report, StatusReport? last) =>
        last is not null && report.SyncStatus == last.SyncStatus && report.Error == last.Error && report.Detection == last.Detection
        && report.DetectionError == last.DetectionError
        && (report.Files ?? []).Select(Key).SequenceEqual((last.Files ?? []).Select(Key));

    private static string Key(DriftedFile f) =>
        $"{f.Name}\0{f.Change}\0{f.ActualSha256}\0{f.ActualMode}\0{f.ActualOwner}\0{f.ChangedBy?.Pid}\0{f.Cause}";

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        events.Writer.TryComplete();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        source?.Dispose();
        foreach (var watched in targets.Values)
            watched.Remote?.Dispose();
        stop.Dispose();
        gate.Dispose();
    }
}
