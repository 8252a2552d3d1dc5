using System.Globalization;

namespace GitOpsStatus.Core.Delivery;

/// <summary>
/// Reports that could not be delivered, one JSON file each, named so that ordinal order is the order they were
/// spooled in. Writes are atomic (temp file, then rename): a reader never sees half a report. One process at a time
/// holds <see cref="Lock"/> while it drains or adds, so overlapping cron runs neither lose nor duplicate a report.
/// </summary>
public sealed class Spool(string directory)
{
    private static long sequence;

    public string Directory => directory;

    /// <summary><c>GITOPS_SPOOL_DIR</c>, else <c>$XDG_STATE_HOME/gitops-status/spool</c>, else <c>~/.local/state/gitops-status/spool</c>.</summary>
    public static string DefaultDirectory(Func<string, string?> environment)
    {
        if (environment("GITOPS_SPOOL_DIR") is { Length: > 0 } configured)
            return Path.GetFullPath(configured);
        var state = environment("XDG_STATE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Join(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        return Path.Join(state, "gitops-status", "spool");
    }

    /// <summary>Spooled reports, oldest first (temp files and rejected reports excluded).</summary>
    public IReadOnlyList<string> Pending() =>
        System.IO.Directory.Exists(directory)
            ? System.IO.Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Writes a report durably: temp file, fsync, rename.</summary>
    public string Add(byte[] json)
    {
        System.IO.Directory.CreateDirectory(directory);
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss.fffffff}-{Interlocked.Increment(ref sequence) % 1_000_000:D6}-{Guid.NewGuid():N}.json");
        var final = Path.Join(directory, name);
        var temp = Path.Join(directory, "." + name + ".tmp");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(json);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, final);
        return final;
    }

    /// <summary>Moves a report the server refused out of the queue (into <c>rejected/</c>) so it does not block the ones after it.</summary>
    public string Reject(string file)
    {
        var rejected = Path.Join(directory, "rejected");
        System.IO.Directory.CreateDirectory(rejected);
        var target = Path.Join(rejected, Path.GetFileName(file));
        File.Move(file, target, overwrite: true);
        return target;
    }

    /// <summary>Takes the spool's exclusive lock, waiting up to <paramref name="timeout"/> for another run to finish.</summary>
    public async Task<IDisposable> LockAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Join(directory, ".lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive advisory lock (flock) on Linux.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }
}
