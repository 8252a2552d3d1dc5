using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>What a change source reports: a path that changed, or events lost.</summary>
public abstract record WatchEvent;

/// <summary>
/// Something happened at <paramref name="Path"/> (written, created, removed, renamed to or from, chmod); <paramref name="Writer"/> when known.
/// <paramref name="Target"/>: the SSH target (server) whose host the path is on; null for this machine's files.
/// </summary>
public sealed record PathChanged(string Path, FileChangedBy? Writer, string? Target = null) : WatchEvent;

/// <summary>
/// Events were or will be lost: a queue overflowed (<paramref name="Lasting"/> false: the source keeps working), or a
/// watch could not be added (true: some paths are not watched until the source is built again). <paramref name="Target"/>:
/// the SSH target whose watch lost them; null for this machine's source.
/// </summary>
public sealed record EventsLost(string Reason, bool Lasting, string? Target = null) : WatchEvent;

/// <summary>
/// File-system events for a set of directories. Three implementations: <see cref="FanotifySource"/> (root; names the
/// writing process) and <see cref="InotifySource"/> (anyone) for this machine, <see cref="SshChangeSource"/> for an SSH target's host. Events go to the callback given at creation, from the
/// source's own thread; the callback must not block.
/// </summary>
public interface IChangeSource : IDisposable
{
    /// <summary>"fanotify" or "inotify", for log lines.</summary>
    string Name { get; }

    /// <summary>Why some directory is not watched, when that was known at once (a watch limit hit while subscribing); null when all are.</summary>
    string? Problem { get; }
}

/// <summary>Picks the change source: fanotify when it is permitted, else inotify.</summary>
public static class ChangeSources
{
    /// <summary>The source and, when fanotify could not be used, why (for one log line).</summary>
    public static (IChangeSource Source, string? FanotifyProblem) Open(IReadOnlyList<WatchedDir> dirs, Action<WatchEvent> events, bool preferFanotify = true)
    {
        string? problem = "not tried";
        if (preferFanotify)
        {
            var (fanotify, why) = FanotifySource.TryOpen(dirs, events);
            if (fanotify is not null)
                return (fanotify, null);
            problem = why;
        }
        return (new InotifySource(dirs, events), problem);
    }
}
