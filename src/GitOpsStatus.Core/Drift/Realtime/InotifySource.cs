using System.Globalization;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>
/// inotify through .NET's <see cref="FileSystemWatcher"/> (inotify on Linux, recursive watches included): no interop,
/// and it reports a queue overflow (<c>IN_Q_OVERFLOW</c>) and a watch limit hit as <see cref="FileSystemWatcher.Error"/>.
/// It cannot say who wrote, so <see cref="PathChanged.Writer"/> stays null.
/// </summary>
public sealed class InotifySource : IChangeSource
{
    private const NotifyFilters Everything = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size
        | NotifyFilters.Attributes | NotifyFilters.Security | NotifyFilters.CreationTime;

    private readonly List<FileSystemWatcher> watchers = [];
    private readonly Action<WatchEvent> events;

    public string Name => "inotify";

    public string? Problem { get; private set; }

    public InotifySource(IReadOnlyList<WatchedDir> dirs, Action<WatchEvent> events)
    {
        this.events = events;
        foreach (var dir in dirs)
        {
            // A mapped directory that does not exist yet: its nearest existing parent sees it appear (the next full check watches inside).
            var (path, recursive) = Directory.Exists(dir.Path) ? (dir.Path, dir.Recursive) : (NearestExisting(dir.Path), false);
            if (path is null)
                continue;
            var watcher = new FileSystemWatcher(path) { IncludeSubdirectories = recursive, NotifyFilter = Everything, InternalBufferSize = 64 * 1024 };
            watcher.Changed += OnChange;
            watcher.Created += OnChange;
            watcher.Deleted += OnChange;
            watcher.Renamed += (_, e) =>
            {
                events(new PathChanged(e.OldFullPath, null));
                events(new PathChanged(e.FullPath, null));
            };
            watcher.Error += (_, e) => events(Lost(e.GetException()));
            watchers.Add(watcher);
            try
            {
                watcher.EnableRaisingEvents = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                Problem ??= Lost(e).Reason;
            }
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e) => events(new PathChanged(e.FullPath, null));

    /// <summary>The reason a person reads, with the setting to raise.</summary>
    private static EventsLost Lost(Exception e)
    {
        if (e is InternalBufferOverflowException)
            return new EventsLost($"inotify event queue overflowed (fs.inotify.max_queued_events {Limit("fs/inotify/max_queued_events")}): events were lost", Lasting: false);
        if (e.Message.Contains("inotify watches", StringComparison.Ordinal))
            return new EventsLost($"inotify watch limit {Limit("user/max_inotify_watches")} reached: raise fs.inotify.max_user_watches", Lasting: true);
        if (e.Message.Contains("inotify instances", StringComparison.Ordinal))
            return new EventsLost($"inotify instance limit {Limit("user/max_inotify_instances")} reached: raise fs.inotify.max_user_instances", Lasting: true);
        return new EventsLost("inotify watch failed: " + e.Message.TrimEnd('.'), Lasting: true);
    }

    /// <summary>The limit in force for this process (per user namespace under /proc/sys/user), as text.</summary>
    private static string Limit(string name)
    {
        try
        {
            return long.Parse(File.ReadAllText("/proc/sys/" + name).Trim(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return "?";
        }
    }

    private static string? NearestExisting(string path)
    {
        for (var dir = Path.GetDirectoryName(path); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir))
                return dir;
        }
        return null;
    }

    public void Dispose()
    {
        foreach (var watcher in watchers)
            watcher.Dispose();
    }
}
