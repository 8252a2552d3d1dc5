using System.Security.Cryptography;

namespace GitOpsStatus.Core.Drift;

/// <summary>SHA-256 of local files, many at once across all cores (small config files are bound by syscalls, not by hashing).</summary>
public static class FileHasher
{
    private const int BufferSize = 64 * 1024;

    [ThreadStatic]
    private static byte[]? buffer;

    /// <summary>Lower-case hex SHA-256 of each path, or null for a path that is missing or not a regular file.
    /// Throws <see cref="UnauthorizedAccessException"/> or <see cref="IOException"/> for a file that exists but cannot be read.</summary>
    public static string?[] HashAll(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        var results = new string?[paths.Count];
        if (paths.Count < 64)
        {
            for (var i = 0; i < paths.Count; i++)
                results[i] = TryHash(paths[i]);
            return results;
        }
        try
        {
            Parallel.For(0, paths.Count,
                new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
                i => results[i] = TryHash(paths[i]));
        }
        catch (AggregateException e)
        {
            // Callers handle IOException and friends: the first failure stands for all (several files may fail at once).
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return results;
    }

    /// <summary>The hash of one file, or null when it does not exist (a dangling symlink included).
    /// Anything but a regular file (a directory, a FIFO, a device) is a <see cref="NotRegularFileException"/>: it is never read.</summary>
    public static string? TryHash(string path) => FileTypes.Sha256(path, buffer ??= new byte[BufferSize]);

    /// <summary>Lower-case hex SHA-256 of bytes.</summary>
    public static string Hash(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
