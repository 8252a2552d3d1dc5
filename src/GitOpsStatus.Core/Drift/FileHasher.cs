using System.Buffers;
using System.Security.Cryptography;

namespace GitOpsStatus.Core.Drift;

/// <summary>SHA-256 of local files, many at once across all cores (small config files are bound by syscalls, not by hashing).</summary>
public static class FileHasher
{
    private const int BufferSize = 64 * 1024;

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
        Parallel.For(0, paths.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken },
            i => results[i] = TryHash(paths[i]));
        return results;
    }

    /// <summary>The hash of one file, or null when it does not exist (or is a directory).</summary>
    public static string? TryHash(string path)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (UnauthorizedAccessException) when (Directory.Exists(path))
        {
            return null;
        }
        using (handle)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                // Config files fit one read: hash it in one shot (no hash object, no second read to see the end).
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, BufferSize), 0);
                if (read < BufferSize)
                    return Convert.ToHexStringLower(SHA256.HashData(buffer.AsSpan(0, read)));
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long offset = 0;
                do
                {
                    hash.AppendData(buffer, 0, read);
                    offset += read;
                }
                while ((read = RandomAccess.Read(handle, buffer.AsSpan(0, BufferSize), offset)) > 0);
                return Convert.ToHexStringLower(hash.GetCurrentHash());
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Lower-case hex SHA-256 of bytes.</summary>
    public static string Hash(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
