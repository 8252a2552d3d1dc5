using System.Runtime.InteropServices;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>
/// The few libc calls fanotify needs. .NET has no managed fanotify API, and fanotify is the only Linux interface that
/// says which process wrote a file (inotify does not), so these are declared here, with source-generated
/// <see cref="LibraryImportAttribute"/> stubs (no runtime marshalling: Native AOT safe). Nothing else in the product calls native code.
/// </summary>
internal static unsafe partial class FanotifyNative
{
    private const string Libc = "libc.so.6";

    public const uint FanCloexec = 0x1;
    public const uint FanNonblock = 0x2;
    public const uint FanReportDfidName = 0x400 | 0x800; // FAN_REPORT_DIR_FID | FAN_REPORT_NAME

    public const uint FanMarkAdd = 0x1;
    public const uint FanMarkFilesystem = 0x100;

    public const ulong FanAttrib = 0x4;
    public const ulong FanModify = 0x2;
    public const ulong FanCloseWrite = 0x8;
    public const ulong FanMovedFrom = 0x40;
    public const ulong FanMovedTo = 0x80;
    public const ulong FanCreate = 0x100;
    public const ulong FanDelete = 0x200;
    public const ulong FanQOverflow = 0x4000;
    public const ulong FanOndir = 0x4000_0000;

    public const byte InfoTypeDfidName = 2;
    public const int AtFdcwd = -100;
    public const int AtSymlinkFollow = 0x400;
    public const short PollIn = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Libc, EntryPoint = "fanotify_init", SetLastError = true)]
    public static partial int Init(uint flags, uint eventFlags);

    [LibraryImport(Libc, EntryPoint = "fanotify_mark", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mark(int fd, uint flags, ulong mask, int dirFd, string path);

    [LibraryImport(Libc, EntryPoint = "name_to_handle_at", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int NameToHandleAt(int dirFd, string path, byte* handle, int* mountId, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
