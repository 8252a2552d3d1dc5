using System.Diagnostics;
using System.Globalization;
using System.Text;
using GitOpsStatus.Core.Drift.Ssh;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>
/// File-system events of one SSH target's directories: one long-lived ssh session runs <c>inotifywait</c> (inotify-tools)
/// on the host and streams its events, each tagged with the target. A host without inotifywait, a watch that cannot be
/// set up (a limit, a missing directory) and a session that ends are lasting gaps (<see cref="Problem"/>, or
/// <see cref="EventsLost"/> once running): the agent reports the target degraded with the reason, checks it in full, and
/// connects again at the next scheduled check. Closing the session's stdin ends the watchers on the host.
/// </summary>
public sealed class SshChangeSource : IChangeSource
{
    /// <summary>How long the watches may take to be set up (inotifywait -r walks each tree) before the source gives up.</summary>
    public static readonly TimeSpan SetUpLimit = TimeSpan.FromSeconds(30);

    private const string Established = "Watches established.";
    private readonly string target;
    private readonly SshEndpoint endpoint;
    private readonly Action<WatchEvent> events;
    private readonly Process process;
    private readonly NulReader reader;
    private readonly Task<string> stderr;
    private readonly TaskCompletionSource<string?> ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stop = new();
    private readonly Task pump;

    private SshChangeSource(string target, SshLocation location, CheckOptions options, IReadOnlyList<WatchedDir> dirs, Action<WatchEvent> events)
    {
        this.target = target;
        Dirs = dirs;
        endpoint = location.Endpoint;
        this.events = events;
        process = SshProcess.Start(location, options);
        reader = new NulReader(process.StandardOutput.BaseStream);
        stderr = process.StandardError.ReadToEndAsync();
        var watchers = dirs.Any(d => d.Recursive) && dirs.Any(d => !d.Recursive) ? 2 : 1;
        pump = Task.Run(() => PumpAsync(watchers));
        try
        {
            // Stdin stays open: the script waits for its end to stop the watchers (see Script).
            var input = process.StandardInput.BaseStream;
            input.Write(Encoding.UTF8.GetBytes(Script(dirs)));
            input.Flush();
        }
        catch (IOException)
        {
            // ssh is gone already: the pump reports why, from stderr.
        }
    }

    public string Name => "inotifywait over SSH";

    /// <summary>The host's directories watched.</summary>
    public IReadOnlyList<WatchedDir> Dirs { get; }

    public string? Problem { get; private set; }

    /// <summary>Connects and waits until the host's watches are set up (or fail, or <see cref="SetUpLimit"/> passes).</summary>
    public static async Task<SshChangeSource> OpenAsync(string target, SshLocation location, CheckOptions options, IReadOnlyList<WatchedDir> dirs,
        Action<WatchEvent> events, CancellationToken cancellationToken)
    {
        var source = new SshChangeSource(target, location, options, dirs, events);
        try
        {
            source.Problem = await source.ready.Task.WaitAsync(SetUpLimit, cancellationToken);
        }
        catch (TimeoutException)
        {
            source.Problem = $"inotifywait on {source.endpoint} did not set up its watches within {Durations.Format(SetUpLimit)}";
        }
        return source;
    }

    /// <summary>
    /// One inotifywait for the trees (-r) and one for single directories; their stderr lines become <c>M</c> records
    /// ("Watches established.", or why a watch failed), each end a <c>GONE</c> record. The last line waits for the
    /// checker to close stdin, then ends the session's process group, watchers included: nothing is left on the host.
    /// </summary>
    private static string Script(IReadOnlyList<WatchedDir> dirs)
    {
        var script = new StringBuilder("export LC_ALL=C\n");
        script.Append(CultureInfo.InvariantCulture, $"printf '{RemoteScript.Begin}\\000'\n");
        script.Append("command -v inotifywait >/dev/null 2>&1 || { printf 'NOWATCH\\000'; exit 0; }\n");
        script.Append("w() { { inotifywait -m -e close_write,create,delete,move,attrib,delete_self,move_self --format 'E%0%e%0%w%f%0' --no-newline \"$@\" ")
              .Append("2>&1 1>&3 | while IFS= read -r line; do printf 'M\\000%s\\000' \"$line\"; done; printf 'GONE\\000'; } 3>&1; }\n");
        foreach (var recursive in new[] { true, false })
        {
            if (!dirs.Any(d => d.Recursive == recursive))
                continue;
            script.Append(recursive ? "w -r --" : "w --");
            foreach (var dir in dirs.Where(d => d.Recursive == recursive))
                script.Append(' ').Append(RemoteScript.Quote(dir.Path));
            script.Append(" &\n");
        }
        return script.Append("while read -r _; do :; done; kill 0\n").ToString();
    }

    private async Task PumpAsync(int watchers)
    {
        var problems = new List<string>();
        try
        {
            for (var token = await reader.ReadAsync(stop.Token); token is not null && !token.EndsWith(RemoteScript.Begin, StringComparison.Ordinal);)
                token = await reader.ReadAsync(stop.Token);
            while (await reader.ReadAsync(stop.Token) is { } token)
            {
                switch (token)
                {
                    case "NOWATCH":
                        Gone($"inotifywait is not installed on {endpoint} (install inotify-tools there for realtime over SSH)");
                        return;
                    case "E":
                        var kinds = await reader.ReadRequiredAsync(stop.Token);
                        var path = await reader.ReadRequiredAsync(stop.Token);
                        events(kinds.Contains("Q_OVERFLOW", StringComparison.Ordinal)
                            ? new EventsLost($"the inotify queue on {endpoint} overflowed: events were lost", Lasting: false, target)
                            : new PathChanged(path.Length > 1 ? path.TrimEnd('/') : path, null, target));
                        break;
                    case "M":
                        var line = await reader.ReadRequiredAsync(stop.Token);
                        if (line == Established)
                        {
                            if (--watchers == 0)
                                ready.TrySetResult(problems.Count == 0 ? null : Describe(problems));
                        }
                        else if (!line.StartsWith("Setting up watches", StringComparison.Ordinal) && line.Trim().Length > 0)
                        {
                            problems.Add(line.Trim());
                            if (ready.Task.IsCompleted)
                                events(new EventsLost(Describe(problems), Lasting: true, target));
                        }
                        break;
                    case "GONE":
                        Gone(problems.Count > 0 ? Describe(problems) : $"inotifywait on {endpoint} ended");
                        return;
                    default:
                        Gone($"unexpected output from inotifywait on {endpoint}: \"{(token.Length <= 80 ? token : token[..80] + "…")}\"");
                        return;
                }
            }
            Gone($"the SSH watch session to {endpoint} ended: {SshErrors.Describe(await stderr.WaitAsync(TimeSpan.FromSeconds(5)), ExitCode(), endpoint)}");
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException or TimeoutException)
        {
            if (!stop.IsCancellationRequested)
                Gone($"the SSH watch session to {endpoint} ended: {e.Message}");
        }
    }

    private static string Describe(List<string> problems) => $"inotifywait: {string.Join("; ", problems.Take(3))}";

    /// <summary>The watch is over until the next scheduled check: said at set-up, or as a lasting gap once running.</summary>
    private void Gone(string reason)
    {
        if (stop.IsCancellationRequested)
            return;
        if (!ready.TrySetResult(reason))
        {
            Problem = reason;
            events(new EventsLost(reason, Lasting: true, target));
        }
    }

    private int? ExitCode()
    {
        try
        {
            return process.HasExited ? process.ExitCode : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        try
        {
            process.StandardInput.Close(); // the script's last line ends the watchers on the host
        }
        catch (IOException)
        {
            // ssh is gone already.
        }
        if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            process.Kill(entireProcessTree: true);
        try
        {
            pump.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopped.
        }
        process.Dispose();
        stop.Dispose();
    }
}
