using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.Text;

namespace GitOpsStatus.Core.Drift.Ssh;

/// <summary>
/// Actual files on a host, through one OpenSSH connection running <c>sh -s</c>: the scan script goes in on stdin and
/// all hashes come back in that one round trip; if files differ, a second script on the same connection returns their
/// contents. OpenSSH (not an in-process client) so the user's ssh config, agent, ProxyJump and known_hosts apply.
/// </summary>
public sealed class SshActualFiles : IActualFiles
{
    private readonly SshLocation location;
    private readonly CheckOptions options;
    private readonly RemoteNames names;
    private readonly Process process;
    private readonly NulReader reader;
    private readonly Task<string> stderr;

    private SshActualFiles(SshLocation location, CheckOptions options)
    {
        this.location = location;
        this.options = options;
        names = new RemoteNames(location.RemoteRoot);
        process = SshProcess.Start(location, options);
        reader = new NulReader(process.StandardOutput.BaseStream, options.SilenceTimeout);
        stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts ssh now, so the connection is being made while the caller prepares the scan.</summary>
    public static SshActualFiles Connect(SshLocation location, CheckOptions options) => new(location, options);

    public async Task<ActualSnapshot> ScanAsync(ScanRequest request, CancellationToken cancellationToken)
    {
        var writing = WriteAsync(RemoteScript.Scan(location.RemoteRoot, request), close: false, cancellationToken);
        var stats = new Dictionary<string, (string Mode, string Owner, string Type)>(StringComparer.Ordinal);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        var listings = request.ListDirectories.ToDictionary(d => d, _ => new List<string>(), StringComparer.Ordinal);
        try
        {
            await SkipToBeginAsync(cancellationToken);
            while (await NextAsync(cancellationToken) is var token && token != RemoteScript.End)
            {
                switch (token)
                {
                    case RemoteScript.Error:
                        throw new TargetUnavailableException($"cannot read files on {location.Endpoint}: {names.FromRemoteMessage(await NextAsync(cancellationToken))}");
                    case RemoteScript.NoRoot:
                        throw new TargetUnavailableException($"the actual root directory {location.RemoteRoot} does not exist on {location.Endpoint}");
                    case "F":
                        var name = names.FromRemote(await NextAsync(cancellationToken));
                        stats[name] = (await NextAsync(cancellationToken), await NextAsync(cancellationToken), await NextAsync(cancellationToken));
                        break;
                    case "X":
                        var index = int.Parse(await NextAsync(cancellationToken), NumberStyles.None, CultureInfo.InvariantCulture);
                        listings[request.ListDirectories[index]].Add(await NextAsync(cancellationToken));
                        break;
                    case { Length: > 66 } when token[64] == ' ' && token[65] is ' ' or '*':
                        hashes[names.FromRemote(token.AsSpan(66))] = token[..64];
                        break;
                    default:
                        throw new TargetUnavailableException($"unexpected output from {location.Endpoint}: \"{Shorten(token)}\"; is the remote shell POSIX with GNU coreutils?");
                }
            }
        }
        catch (EndOfStreamException)
        {
            throw await FailureAsync();
        }
        await writing;

        var files = new Dictionary<string, ActualFile>(StringComparer.Ordinal);
        foreach (var path in request.Paths)
        {
            var hasStat = stats.TryGetValue(path, out var stat);
            if (hasStat && stat.Type is not ("f" or "l"))
                throw new TargetUnavailableException($"{path} on {location.Endpoint} is {Describe(stat.Type)}, not a regular file");
            if (hashes.TryGetValue(path, out var hash))
                files[path] = new ActualFile(hash, hasStat && stat.Mode.Length > 0 ? stat.Mode : null, hasStat && stat.Owner.Length > 0 ? stat.Owner : null);
            else if (hasStat && stat.Type == "f")
                throw new TargetUnavailableException($"cannot read {path} on {location.Endpoint}: permission denied or I/O error");
        }
        return new ActualSnapshot(files, listings.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal));
    }

    public async Task<IReadOnlyList<byte[]?>> ReadAsync(IReadOnlyList<string> paths, int maxBytes, CancellationToken cancellationToken)
    {
        var byPath = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var writing = WriteAsync(RemoteScript.Read(paths, maxBytes), close: true, cancellationToken);
        try
        {
            while (await NextAsync(cancellationToken) is var token && token != RemoteScript.End)
            {
                if (token != "C")
                    throw new TargetUnavailableException($"unexpected output from {location.Endpoint}: \"{Shorten(token)}\"");
                var archive = Convert.FromBase64String(await NextAsync(cancellationToken));
                if (archive.Length > 0)
                    await Untar(archive, byPath, maxBytes, cancellationToken);
            }
        }
        catch (EndOfStreamException)
        {
            throw await FailureAsync();
        }
        await writing;
        return paths.Select(p => byPath.GetValueOrDefault(p)).ToList();
    }

    public async Task<IReadOnlyList<string?>> ResolveAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var resolved = new List<string?>(paths.Count);
        var writing = WriteAsync(RemoteScript.Resolve(paths), close: false, cancellationToken);
        try
        {
            while (await NextAsync(cancellationToken) is var token && token != RemoteScript.End)
            {
                switch (token)
                {
                    case "A":
                        var answers = new List<string>();
                        for (var answer = await NextAsync(cancellationToken); answer != "S"; answer = await NextAsync(cancellationToken))
                            answers.Add(answer);
                        // Status 0: every path resolved, in order; otherwise R records for this chunk follow.
                        if (await NextAsync(cancellationToken) == "0")
                            resolved.AddRange(answers);
                        break;
                    case "R":
                        resolved.Add(await NextAsync(cancellationToken) is { Length: > 0 } path ? path : null);
                        break;
                    default:
                        throw new TargetUnavailableException($"unexpected output from {location.Endpoint}: \"{Shorten(token)}\"; is realpath (GNU coreutils) installed?");
                }
            }
        }
        catch (EndOfStreamException)
        {
            throw await FailureAsync();
        }
        await writing;
        if (resolved.Count != paths.Count)
            throw new TargetUnavailableException($"{location.Endpoint} resolved {resolved.Count} of {paths.Count} paths; is realpath (GNU coreutils) installed?");
        return resolved;
    }

    public async Task<IReadOnlyList<string?>> ApplyAsync(IReadOnlyList<Fix.FileWrite> writes, CancellationToken cancellationToken)
    {
        var writing = WriteAsync(Fix.WriteScript.Build(writes), close: false, cancellationToken);
        try
        {
            var results = await Fix.WriteScript.ReadResultsAsync(NextAsync, writes.Count, location.Endpoint.ToString(), cancellationToken);
            await writing;
            return results;
        }
        catch (EndOfStreamException)
        {
            throw await FailureAsync();
        }
    }

    private static async Task Untar(byte[] archive, Dictionary<string, byte[]> byPath, int maxBytes, CancellationToken cancellationToken)
    {
        await using var reader = new TarReader(new MemoryStream(archive));
        while (await reader.GetNextEntryAsync(cancellationToken: cancellationToken) is { } entry)
        {
            if (entry.DataStream is null || entry.Length > maxBytes)
                continue;
            using var data = new MemoryStream();
            await entry.DataStream.CopyToAsync(data, cancellationToken);
            byPath[entry.Name] = data.ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // ssh is already gone.
        }
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }

    private async Task WriteAsync(string script, bool close, CancellationToken cancellationToken)
    {
        var input = process.StandardInput.BaseStream;
        try
        {
            await input.WriteAsync(Encoding.UTF8.GetBytes(script), cancellationToken);
            await input.FlushAsync(cancellationToken);
            if (close)
                process.StandardInput.Close();
        }
        catch (IOException)
        {
            // ssh exited (connection refused, host key refused): the reader reports why, from stderr.
        }
    }

    /// <summary>Skips whatever a login banner or shell rc file printed before the script's begin marker.</summary>
    private async Task SkipToBeginAsync(CancellationToken cancellationToken)
    {
        for (var token = await NextAsync(cancellationToken); !token.EndsWith(RemoteScript.Begin, StringComparison.Ordinal);)
            token = await NextAsync(cancellationToken);
    }

    private async ValueTask<string> NextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadRequiredAsync(cancellationToken);
        }
        catch (TimeoutException)
        {
            // The connection may be alive (ServerAliveInterval does not end it) while a remote command hangs: end it here.
            process.Kill(entireProcessTree: true);
            throw new TargetUnavailableException($"ssh to {location.Endpoint} sent nothing for {Durations.Format(options.SilenceTimeout)}: " +
                "a remote command hangs, or the check needs longer (GITOPS_SSH_TIMEOUT)");
        }
    }

    private async Task<TargetUnavailableException> FailureAsync()
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int? exitCode = null;
        try
        {
            await process.WaitForExitAsync(wait.Token);
            exitCode = process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        return new TargetUnavailableException(SshErrors.Describe(await stderr, exitCode, location.Endpoint));
    }

    /// <summary>find's %y letter (symlinks followed; "l" is a dangling link, i.e. missing).</summary>
    private static string Describe(string type) => type switch
    {
        "d" => FileTypes.Describe(FileKind.Directory),
        "p" => FileTypes.Describe(FileKind.Fifo),
        "s" => FileTypes.Describe(FileKind.Socket),
        "c" => FileTypes.Describe(FileKind.CharacterDevice),
        "b" => FileTypes.Describe(FileKind.BlockDevice),
        _ => $"of type {type}",
    };

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
