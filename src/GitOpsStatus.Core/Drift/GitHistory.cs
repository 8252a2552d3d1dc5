using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using GitOpsStatus.Core.Drift.Ssh;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift;

/// <summary>
/// Why a modified file differs: its actual SHA-256 looked up in the file's git history. A match is
/// <see cref="DriftCause.OtherRevision"/> with the newest commit that wrote that content (a deploy that did not run, or ran
/// from another branch); no match in the file's last <see cref="MaxCommits"/> commits is <see cref="DriftCause.Edited"/>.
/// A file whose history could not be read in time gets no cause: never a guess.
/// The git CLI (<c>git log --raw</c>, <c>git cat-file --batch</c>), not LibGit2Sharp: two processes per check with drift,
/// none without, and no native library in the AOT binary. Blob hashes are cached for the process's life (blobs never change).
/// </summary>
public static class GitHistory
{
    public const int MaxCommits = 50;

    /// <summary>The whole lookup's budget; past it, files not yet resolved keep no cause.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    private const int PathsPerLog = 200;
    private const int MaxCached = 100_000;
    private static readonly ConcurrentDictionary<string, string> BlobSha256 = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<(string Repo, string Head, string Path), List<(string Commit, string Blob)>> Histories = new();

    /// <summary>The findings with <c>cause</c> (and <c>matches_revision</c>) set on modified files with an actual hash.</summary>
    /// <param name="findings">The check's findings.</param>
    /// <param name="repoRoot">The checkout's top directory.</param>
    /// <param name="head">The checkout's HEAD: a file's history read at one HEAD is reused while HEAD stays (the realtime agent asks often).</param>
    /// <param name="cancellationToken">Stops the lookup.</param>
    public static async Task<List<Finding>> AddCausesAsync(List<Finding> findings, string repoRoot, string? head, CancellationToken cancellationToken)
    {
        var wanted = findings.Where(f => f.File is { Change: ChangeKind.Modified, ActualSha256: not null } && f.Wanted is not null).ToList();
        if (wanted.Count == 0)
            return findings;
        // A long-running agent sees HEAD move: the caches start again rather than grow without bound.
        if (Histories.Count > MaxCached)
            Histories.Clear();
        if (BlobSha256.Count > MaxCached)
            BlobSha256.Clear();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Budget);
        Dictionary<string, string> causes;
        try
        {
            causes = await LookUpAsync(repoRoot, head, wanted.Select(f => (f.Wanted!.RepoPath, f.File.ActualSha256!)).ToList(), deadline.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.ComponentModel.Win32Exception or InvalidOperationException
                                      && !cancellationToken.IsCancellationRequested)
        {
            return findings; // git missing, not a checkout, or too slow: no cause rather than a wrong one
        }
        return findings.Select(f => f.Wanted is not null && f.File.ActualSha256 is not null && causes.TryGetValue(f.Wanted.RepoPath + "\0" + f.File.ActualSha256, out var commit)
            ? f with { File = f.File with { Cause = commit.Length == 0 ? DriftCause.Edited : DriftCause.OtherRevision, MatchesRevision = commit.Length == 0 ? null : commit } }
            : f).ToList();
    }

    /// <summary>Key "repoPath\0sha256" → the matching commit, or "" when no commit of the file's history has it.</summary>
    private static async Task<Dictionary<string, string>> LookUpAsync(string repoRoot, string? head, List<(string RepoPath, string Sha256)> files,
        CancellationToken cancellationToken)
    {
        var histories = new Dictionary<string, List<(string Commit, string Blob)>>(StringComparer.Ordinal);
        var complete = new HashSet<string>(StringComparer.Ordinal);
        var todo = new List<string>();
        foreach (var path in files.Select(f => f.RepoPath).Distinct(StringComparer.Ordinal))
        {
            if (head is not null && Histories.TryGetValue((repoRoot, head, path), out var known))
            {
                histories[path] = known;
                complete.Add(path);
            }
            else
            {
                todo.Add(path);
            }
        }
        foreach (var chunk in todo.Chunk(PathsPerLog))
            await ReadLogAsync(repoRoot, chunk, histories, complete, cancellationToken);
        if (head is not null)
        {
            foreach (var path in todo.Where(complete.Contains))
                Histories[(repoRoot, head, path)] = histories.GetValueOrDefault(path) ?? [];
        }
        var blobs = histories.Values.SelectMany(h => h.Select(e => e.Blob)).Where(b => !BlobSha256.ContainsKey(repoRoot + b)).Distinct(StringComparer.Ordinal).ToList();
        if (blobs.Count > 0)
            await HashBlobsAsync(repoRoot, blobs, cancellationToken);

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, sha) in files)
        {
            var history = histories.GetValueOrDefault(path) ?? [];
            var match = history.FirstOrDefault(e => BlobSha256.TryGetValue(repoRoot + e.Blob, out var s) && s == sha).Commit;
            if (match is not null)
                result[path + "\0" + sha] = match;
            else if (complete.Contains(path) && history.All(e => BlobSha256.ContainsKey(repoRoot + e.Blob)))
                result[path + "\0" + sha] = "";
        }
        return result;
    }

    /// <summary>
    /// One <c>git log -z --raw</c> over a chunk of paths, newest first, read until every path has <see cref="MaxCommits"/>
    /// versions or the history ends. A path's history is complete then; one cut short by the deadline is not.
    /// </summary>
    private static async Task ReadLogAsync(string repoRoot, string[] paths, Dictionary<string, List<(string Commit, string Blob)>> histories,
        HashSet<string> complete, CancellationToken cancellationToken)
    {
        using var git = Start(repoRoot, ["log", "-z", "--format=%H", "--raw", "--no-abbrev", "--no-renames", "--", .. paths]);
        var stderr = git.StandardError.ReadToEndAsync(cancellationToken);
        using var stop = cancellationToken.Register(() => Kill(git));
        var wanted = paths.ToHashSet(StringComparer.Ordinal);
        var done = 0;
        string? commit = null;
        var raw = (string?)null;
        var reader = new NulReader(git.StandardOutput.BaseStream);
        while (done < wanted.Count && await reader.ReadAsync(cancellationToken) is { } token)
        {
            if (raw is not null)
            {
                // The token after a raw line is its path; the raw line's fourth field is the new blob (zeros: deleted).
                var blob = raw.Split(' ')[3];
                raw = null;
                if (commit is null || !wanted.Contains(token) || blob.All(c => c == '0'))
                    continue;
                var list = histories.TryGetValue(token, out var l) ? l : histories[token] = [];
                list.Add((commit, blob));
                if (list.Count == MaxCommits)
                    done++;
            }
            else if (token.TrimStart('\n') is var line && line.StartsWith(':'))
            {
                raw = line;
            }
            else if (line.Length is 40 or 64)
            {
                commit = line;
            }
        }
        Kill(git);
        await git.WaitForExitAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (done < wanted.Count && git.ExitCode != 0)
            throw new InvalidOperationException("git log failed: " + (await stderr).Trim());
        complete.UnionWith(paths);
    }

    /// <summary>SHA-256 of each blob's content, through one <c>git cat-file --batch</c>.</summary>
    private static async Task HashBlobsAsync(string repoRoot, List<string> blobs, CancellationToken cancellationToken)
    {
        using var git = Start(repoRoot, ["cat-file", "--batch"]);
        _ = git.StandardError.ReadToEndAsync(cancellationToken);
        using var stop = cancellationToken.Register(() => Kill(git));
        var writer = Task.Run(async () =>
        {
            await git.StandardInput.WriteAsync(string.Join('\n', blobs) + "\n");
            git.StandardInput.Close();
        }, cancellationToken);
        var output = git.StandardOutput.BaseStream;
        var buffer = new byte[64 * 1024];
        foreach (var blob in blobs)
        {
            var header = await ReadLineAsync(output, cancellationToken);
            var parts = header.Split(' ');
            if (parts.Length != 3 || parts[1] != "blob" || !long.TryParse(parts[2], out var size))
                continue; // "<oid> missing": a shallow clone; the file's history is then incomplete
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            for (var left = size; left > 0;)
            {
                var read = await output.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken);
                if (read == 0)
                    throw new IOException("git cat-file ended early");
                sha.AppendData(buffer, 0, read);
                left -= read;
            }
            await output.ReadExactlyAsync(buffer.AsMemory(0, 1), cancellationToken); // the newline after the content
            BlobSha256[repoRoot + blob] = Convert.ToHexStringLower(sha.GetHashAndReset());
        }
        await writer;
        await git.WaitForExitAsync(cancellationToken);
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, cancellationToken) == 1 && one[0] != '\n')
            line.Append((char)one[0]);
        return line.ToString();
    }

    private static Process Start(string repoRoot, string[] args)
    {
        // safe.directory: the agent often runs as root over a checkout another user owns; it only reads.
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var arg in (string[])["-C", repoRoot, "-c", "safe.directory=*", "-c", "core.quotePath=false", "--literal-pathspecs", .. args])
            start.ArgumentList.Add(arg);
        return Process.Start(start) ?? throw new InvalidOperationException("could not start git");
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
                process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
