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
/// A path's type from one <c>statx(2)</c>, before anything opens it: opening a FIFO for reading blocks until a writer
/// comes (a check would hang), and .NET's file APIs cannot tell a FIFO or a device from a regular file.
/// </summary>
public static class FileTypes
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28; // struct statx: stx_mode (u16) after mask, blksize, attributes, nlink, uid, gid
    private const int ENOENT = 2, EACCES = 13, ENOTDIR = 20, ELOOP = 40;

    [ThreadStatic]
    private static byte[]? statBuffer;

    /// <summary>The kind of <paramref name="path"/>; a dangling symlink is <see cref="FileKind.Missing"/>.
    /// Throws <see cref="UnauthorizedAccessException"/> or <see cref="IOException"/> (symlink loop, I/O error) with the path in the message.</summary>
    public static FileKind Of(string path)
    {
        var buffer = statBuffer ??= new byte[256];
        var name = new byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        name[Encoding.UTF8.GetBytes(path, name)] = 0;
        if (Statx(AtFdCwd, name, 0, StatxType, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                ENOENT or ENOTDIR => FileKind.Missing,
                EACCES => throw new UnauthorizedAccessException($"{path}: permission denied"),
                ELOOP => throw new IOException($"{path}: too many levels of symbolic links (a symlink loop)"),
                _ => throw new IOException($"{path}: {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }
        return (BitConverter.ToUInt16(buffer, ModeOffset) & 0xF000) switch
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

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirFd, byte[] path, int flags, uint mask, byte[] buffer);
}

/// <summary>A path the repo wants as a file is something else on the target (a directory, a FIFO, a device…).</summary>
public sealed class NotRegularFileException(string path, string what)
    : IOException($"{path} is {what}, not a regular file");
