using System.Diagnostics;
using System.Text;

namespace GitOpsStatus.Core.Drift;

/// <summary>Actual files in a directory of this machine, hashed in parallel.</summary>
public sealed class LocalActualFiles(string root) : IActualFiles
{
    public Task<ActualSnapshot> ScanAsync(ScanRequest request, CancellationToken cancellationToken) =>
        Task.Run(() => Scan(request, cancellationToken), cancellationToken);

    private ActualSnapshot Scan(ScanRequest request, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(root))
            throw new TargetUnavailableException($"the actual root directory {root} does not exist");
        string?[] hashes;
        try
        {
            hashes = FileHasher.HashAll(request.Paths, cancellationToken);
        }
        catch (NotRegularFileException e)
        {
            throw new TargetUnavailableException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TargetUnavailableException($"cannot read {e.Message}", e);
        }

        var existing = request.Paths.Where((_, i) => hashes[i] is not null).ToList();
        var owners = request.WantOwner ? Owners(existing) : null;
        var files = new Dictionary<string, ActualFile>(StringComparer.Ordinal);
        for (var i = 0; i < request.Paths.Count; i++)
        {
            if (hashes[i] is not { } hash)
                continue;
            var path = request.Paths[i];
            var mode = request.WantMode ? ModeOf(path) : null;
            files[path] = new ActualFile(hash, mode, owners?.GetValueOrDefault(path));
        }

        var listings = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var dir in request.ListDirectories)
            listings[dir] = List(dir);
        return new ActualSnapshot(files, listings);
    }

    public Task<IReadOnlyList<byte[]?>> ReadAsync(IReadOnlyList<string> paths, int maxBytes, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<byte[]?>>(paths.Select(p => ReadHead(p, maxBytes)).ToList());

    public Task<IReadOnlyList<string?>> ResolveAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string?>>(paths.Select(FileTypes.RealPath).ToList());

    /// <summary>Runs the same script as over SSH, with the local <c>sh</c>, so a local revert and a remote one cannot differ.</summary>
    public async Task<IReadOnlyList<string?>> ApplyAsync(IReadOnlyList<Fix.FileWrite> writes, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("sh", ["-s"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new TargetUnavailableException("could not start sh to write files");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var writing = Task.Run(async () =>
        {
            await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(Fix.WriteScript.Build(writes)), cancellationToken);
            process.StandardInput.Close();
        }, cancellationToken);
        var reader = new Ssh.NulReader(process.StandardOutput.BaseStream);
        try
        {
            var results = await Fix.WriteScript.ReadResultsAsync(reader.ReadRequiredAsync, writes.Count, "sh", cancellationToken);
            await writing;
            await process.WaitForExitAsync(cancellationToken);
            return results;
        }
        catch (EndOfStreamException)
        {
            throw new TargetUnavailableException($"sh stopped while writing files: {(await stderr).Trim()}");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A file's contents, or null when it cannot be read or is larger than <paramref name="maxBytes"/>.</summary>
    public static byte[]? ReadHead(string path, int maxBytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var buffer = new byte[Math.Min((long)maxBytes + 1, Math.Max(stream.Length, 0) + 1)];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
                total += read;
            return total > maxBytes ? null : buffer.AsSpan(0, total).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Files under <paramref name="dir"/>, relative with '/', following symlinks like <c>find -L</c>; empty when it does not exist.</summary>
    private static List<string> List(string dir) => Directory.Exists(dir) ? TreeWalk.RelativeFiles(dir).ToList() : [];

    private static string? ModeOf(string path) =>
        OperatingSystem.IsWindows() ? null : Convert.ToString((int)File.GetUnixFileMode(path) & 0xFFF, 8);

    /// <summary>Owner names come from coreutils <c>stat</c>: .NET has no API for a file's owner, and names must match the remote side's.</summary>
    private static Dictionary<string, string> Owners(IReadOnlyList<string> paths)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in paths.Chunk(1000))
        {
            var start = new ProcessStartInfo("stat") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["-L", "--printf", "%n\\000%U:%G\\000", "--", .. chunk])
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start) ?? throw new TargetUnavailableException("could not start stat to read file owners");
            using var memory = new MemoryStream();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.BaseStream.CopyTo(memory);
            process.WaitForExit();
            var tokens = Encoding.UTF8.GetString(memory.ToArray()).Split('\0');
            for (var i = 0; i + 1 < tokens.Length; i += 2)
                owners[tokens[i]] = tokens[i + 1];
            _ = stderr.Result;
        }
        return owners;
    }
}
