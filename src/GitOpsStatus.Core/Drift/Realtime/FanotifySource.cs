using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using static GitOpsStatus.Core.Drift.Realtime.FanotifyNative;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>
/// fanotify with a filesystem mark and <c>FAN_REPORT_DFID_NAME</c>: one mark per filesystem sees every write, create,
/// rename, delete and chmod on it, each with the writer's pid, read from <c>/proc</c> at once (<see cref="ProcessIdentity"/>).
/// Events carry the directory's file handle and the entry's name; the handles of the watched directories are taken
/// up front (<c>name_to_handle_at</c>), so an event elsewhere on the filesystem costs a dictionary lookup and no syscall.
/// Needs CAP_SYS_ADMIN: <see cref="TryOpen"/> says why when it cannot be used, and the caller falls back to inotify.
/// </summary>
public sealed unsafe class FanotifySource : IChangeSource
{
    private const ulong Mask = FanModify | FanCloseWrite | FanAttrib | FanCreate | FanDelete | FanMovedFrom | FanMovedTo | FanOndir;

    private readonly int fd;
    private readonly Action<WatchEvent> events;
    private readonly Dictionary<string, (string Path, bool Recursive)> dirs = new(StringComparer.Ordinal);
    private readonly ProcessIdentity identities = new();
    private readonly Thread reader;
    private volatile bool disposed;

    public string Name => "fanotify";

    public string? Problem { get; private set; }

    private FanotifySource(int fd, Action<WatchEvent> events)
    {
        this.fd = fd;
        this.events = events;
        reader = new Thread(ReadLoop) { IsBackground = true, Name = "gitops-status fanotify" };
    }

    /// <summary>The source, or null and why fanotify cannot be used here (not root, an old kernel, not Linux).</summary>
    public static (FanotifySource? Source, string? Problem) TryOpen(IReadOnlyList<WatchedDir> watched, Action<WatchEvent> events)
    {
        if (!OperatingSystem.IsLinux())
            return (null, "fanotify is Linux only");
        int fd;
        try
        {
            fd = Init(FanCloexec | FanNonblock | FanReportDfidName, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return (null, "libc has no fanotify: " + e.Message);
        }
        if (fd < 0)
            return (null, "fanotify_init: " + Marshal.GetLastPInvokeErrorMessage());
        var source = new FanotifySource(fd, events);
        foreach (var dir in watched)
        {
            var path = Directory.Exists(dir.Path) ? dir.Path : null;
            for (var up = dir.Path; path is null && Path.GetDirectoryName(up) is { } parent; up = parent)
                path = Directory.Exists(parent) ? parent : null;
            if (path is null)
                continue;
            if (Mark(fd, FanMarkAdd | FanMarkFilesystem, Mask, AtFdcwd, path) != 0)
            {
                var why = $"fanotify_mark {path}: {Marshal.GetLastPInvokeErrorMessage()}";
                source.Dispose();
                return (null, why);
            }
            source.Add(path, path == dir.Path && dir.Recursive);
        }
        source.reader.Start();
        return (source, null);
    }

    /// <summary>Remembers a directory's handle, and those of the directories under it when it is watched recursively.</summary>
    private void Add(string dir, bool recursive)
    {
        if (Handle(dir) is { } key)
            dirs[key] = (dir, recursive);
        if (!recursive)
            return;
        try
        {
            foreach (var sub in Directory.EnumerateDirectories(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                if (Handle(sub) is { } subKey)
                    dirs[subKey] = (sub, true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problem = $"cannot list {dir} to watch it: {e.Message}";
            events(new EventsLost(Problem, Lasting: true));
        }
    }

    /// <summary>The key of a directory's file handle: its type and bytes, as fanotify reports them.</summary>
    private static string? Handle(string path)
    {
        const int maxHandle = 128;
        var buffer = stackalloc byte[8 + maxHandle];
        BinaryPrimitives.WriteUInt32LittleEndian(new Span<byte>(buffer, 4), maxHandle);
        int mountId;
        if (NameToHandleAt(AtFdcwd, path, buffer, &mountId, AtSymlinkFollow) != 0)
            return null;
        var length = BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(buffer, 4));
        return Convert.ToHexString(new ReadOnlySpan<byte>(buffer + 4, 4 + length));
    }

    private void ReadLoop()
    {
        var buffer = new byte[64 * 1024];
        while (!disposed)
        {
            var poll = new PollFd { Fd = fd, Events = PollIn };
            // A timeout, so Dispose is seen: closing an fd does not wake a thread blocked on it.
            if (Poll(&poll, 1, 500) <= 0)
                continue;
            nint read;
            fixed (byte* start = buffer)
                read = Read(fd, start, (nuint)buffer.Length);
            if (read <= 0)
                continue;
            Parse(buffer.AsSpan(0, (int)read));
        }
    }

    private void Parse(ReadOnlySpan<byte> data)
    {
        var now = DateTimeOffset.Now;
        while (data.Length >= 24)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
            if (length < 24 || length > data.Length)
                return;
            var metadataLength = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
            var mask = BinaryPrimitives.ReadUInt64LittleEndian(data[8..]);
            var pid = BinaryPrimitives.ReadInt32LittleEndian(data[20..]);
            if ((mask & FanQOverflow) != 0)
                events(new EventsLost("fanotify event queue overflowed: events were lost", Lasting: false));
            else if (Entry(data[metadataLength..length]) is var (dir, recursive, name))
                Report(dir, recursive, name, mask, pid, now);
            data = data[length..];
        }
    }

    /// <summary>The watched directory and entry name of an event's DFID_NAME record; null for a directory not watched.</summary>
    private (string Dir, bool Recursive, string Name)? Entry(ReadOnlySpan<byte> info)
    {
        // fanotify_event_info_header (type, pad, len), fsid (8 bytes), file_handle (bytes, type, f_handle[]), name NUL.
        if (info.Length < 20 || info[0] != InfoTypeDfidName)
            return null;
        var handleBytes = (int)BinaryPrimitives.ReadUInt32LittleEndian(info[12..]);
        if (20 + handleBytes > info.Length)
            return null;
        var key = Convert.ToHexString(info.Slice(16, 4 + handleBytes));
        if (!dirs.TryGetValue(key, out var dir))
            return null;
        var name = info[(20 + handleBytes)..];
        var nul = name.IndexOf((byte)0);
        return (dir.Path, dir.Recursive, Encoding.UTF8.GetString(nul < 0 ? name : name[..nul]));
    }

    private void Report(string dir, bool recursive, string name, ulong mask, int pid, DateTimeOffset at)
    {
        var path = name is "." or "" ? dir : dir.TrimEnd('/') + "/" + name;
        // A directory made or moved into a watched tree is watched too (its handle learnt); what it holds is rechecked by path.
        if (recursive && (mask & FanOndir) != 0 && (mask & (FanCreate | FanMovedTo)) != 0)
            Add(path, recursive: true);
        var writer = (mask & FanOndir) == 0 ? identities.Of(pid, at) : null;
        events(new PathChanged(path, writer));
    }

    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        if (reader.IsAlive)
            reader.Join(TimeSpan.FromSeconds(2));
        Close(fd);
    }
}
