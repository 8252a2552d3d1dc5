using System.Runtime.InteropServices;
using System.Text;

namespace GitOpsStatus.Core.Drift;

/// <summary>What a path is, symlinks followed.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    Other,
}

/// <summary>
/// The few Linux system calls the checker makes itself. A file is opened non-blocking and typed with <c>statx(2)</c> on
/// the descriptor before it is read: .NET's open of a FIFO blocks until a writer comes (a check would hang), and its
/// file APIs cannot tell a FIFO or a device from a regular file. Reading is plain pread, hashing SHA-256.
/// </summary>
public static class FileTypes
{
    private const int AtFdCwd = -100, AtEmptyPath = 0x1000;
    private static readonly byte[] EmptyPath = [0];
    private const uint StatxType = 0x1, StatxIno = 0x100;

    // struct statx (the kernel's layout, the same on every architecture).
    private const int ModeOffset = 28, InodeOffset = 32, DevMajorOffset = 136;
    private const int ENOENT = 2, EINTR = 4, EACCES = 13, ENOTDIR = 20, ELOOP = 40;
    private const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000; // Linux, every architecture .NET runs on

    [ThreadStatic]
    private static byte[]? statBuffer;

    // Hashing 10,000 files made two throwaway arrays each (the name, the digest): garbage that cost GCs in bench/check/run.sh.
    [ThreadStatic]
    private static byte[]? nameBuffer;

    private static FileKind KindOf(byte[] statx)
    {
        return (BitConverter.ToUInt16(statx, ModeOffset) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Other,
        };
    }

    /// <summary>Device and inode of <paramref name="path"/> (symlinks followed), or null when it does not exist: what <c>find -L</c> compares to detect loops.</summary>
    public static (ulong Device, ulong Inode)? Identity(string path)
    {
        if (Stat(path, StatxIno) is not { } buffer)
            return null;
        var device = ((ulong)BitConverter.ToUInt32(buffer, DevMajorOffset) << 32) | BitConverter.ToUInt32(buffer, DevMajorOffset + 4);
        return (device, BitConverter.ToUInt64(buffer, InodeOffset));
    }

    /// <summary>The thread's statx buffer filled for <paramref name="path"/>, or null when the path does not exist.</summary>
    private static byte[]? Stat(string path, uint mask)
    {
        var buffer = statBuffer ??= new byte[256];
        var name = new byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        name[Encoding.UTF8.GetBytes(path, name)] = 0;
        if (Statx(AtFdCwd, name, 0, mask, buffer) == 0)
            return buffer;
        var errno = Marshal.GetLastPInvokeError();
        return errno switch
        {
            ENOENT or ENOTDIR => null,
            EACCES => throw new UnauthorizedAccessException($"{path}: permission denied"),
            ELOOP => throw new IOException($"{path}: too many levels of symbolic links (a symlink loop)"),
            _ => throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}"),
        };
    }

    /// <summary>"a directory", "a FIFO"… for error messages.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        _ => "not a regular file",
    };

    /// <summary>
    /// SHA-256 of a regular file read with plain open/pread/close: .NET's File.OpenHandle adds an fstat and a lock
    /// per file, a third more system calls on a tree of small config files. Null when the file vanished.
    /// </summary>
    public static string? Sha256(string path, byte[] buffer)
    {
        var name = NameBuffer(path);
        int fd;
        // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; the type check below then refuses it.
        while ((fd = Open(name, ORdOnly | ONonBlock | OCloExec)) < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR)
                continue;
            return errno switch
            {
                ENOENT or ENOTDIR => null,
                EACCES => throw new UnauthorizedAccessException($"{path}: permission denied"),
                ELOOP => throw new IOException($"{path}: too many levels of symbolic links (a symlink loop)"),
                _ => throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }
        try
        {
            // The type of what was opened (statx on the descriptor: no second path lookup).
            var stat = statBuffer ??= new byte[256];
            if (Statx(fd, EmptyPath, AtEmptyPath, StatxType, stat) != 0)
                throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            if (KindOf(stat) is var kind and not FileKind.Regular)
                throw new NotRegularFileException(path, Describe(kind));
            var read = ReadAt(fd, buffer, 0, path);
            if (read < buffer.Length)
            {
                Span<byte> digest = stackalloc byte[32];
                System.Security.Cryptography.SHA256.HashData(buffer.AsSpan(0, read), digest);
                return Convert.ToHexStringLower(digest);
            }
            // Larger files stream through the one buffer: memory stays flat whatever the size.
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            long offset = 0;
            do
            {
                hash.AppendData(buffer, 0, read);
                offset += read;
            }
            while ((read = ReadAt(fd, buffer, offset, path)) > 0);
            return Convert.ToHexStringLower(hash.GetCurrentHash());
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>The thread's buffer holding <paramref name="path"/> as a NUL-terminated UTF-8 name.</summary>
    private static byte[] NameBuffer(string path)
    {
        var size = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        var name = nameBuffer is { } current && current.Length >= size ? current : nameBuffer = new byte[Math.Max(size, 512)];
        name[Encoding.UTF8.GetBytes(path, name)] = 0;
        return name;
    }

    private static int ReadAt(int fd, byte[] buffer, long offset, string path)
    {
        while (true)
        {
            var read = PRead(fd, buffer, buffer.Length, offset);
            if (read >= 0)
                return (int)read;
            var errno = Marshal.GetLastPInvokeError();
            if (errno != EINTR)
                throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    /// <summary>The path with every symlink in it resolved (realpath(3)), or null when that fails (missing, a loop, no permission).</summary>
    public static string? RealPath(string path)
    {
        var name = new byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        name[Encoding.UTF8.GetBytes(path, name)] = 0;
        var resolved = RealPath(name, 0);
        if (resolved == 0)
            return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern nint RealPath(byte[] path, nint resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(nint pointer);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static extern nint PRead(int fd, byte[] buffer, nint count, long offset);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirFd, byte[] path, int flags, uint mask, byte[] buffer);
}

/// <summary>A path the repo wants as a file is something else on the target (a directory, a FIFO, a device…).</summary>
public sealed class NotRegularFileException(string path, string what)
    : IOException($"{path} is {what}, not a regular file");
