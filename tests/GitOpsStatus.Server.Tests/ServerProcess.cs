using System.Diagnostics;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// The server as a real OS process (the built <c>gitops-status-server.dll</c>) on a loopback port it
/// picks itself, for what only a process can show: signals, kills, restarts on the same data.
/// </summary>
public sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    /// <summary>Every line the server wrote so far, standard output and error.</summary>
    public IReadOnlyCollection<string> Output => _output;

    /// <summary>
    /// True once a line containing <paramref name="text"/> has been written, waiting up to <paramref name="timeout"/>: a line
    /// logged after a write the test can already see (a background loop's, once its commit is visible) arrives a little later.
    /// </summary>
    public async Task<bool> WroteAsync(string text, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (!_output.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (waited.Elapsed > timeout)
                return false;
            await Task.Delay(50);
        }
        return true;
    }

    public Uri BaseAddress { get; }
    public int Pid => _process.Id;

    /// <summary>True once the process has stopped (by itself, unless a test stopped it).</summary>
    public bool HasExited => _process.HasExited;

    private ServerProcess(Process process, Uri baseAddress, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        _process = process;
        BaseAddress = baseAddress;
        _output = output;
    }

    public static Task<ServerProcess> StartAsync(string dataDir, params string[] settings) =>
        StartAsync(dataDir, new Dictionary<string, string>(), settings);

    /// <summary>Starts the server with these extra environment variables.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string> environment, params string[] settings)
    {
        var start = StartInfo(dataDir, settings);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
                output.Enqueue(line.Data);
        };
        process.BeginErrorReadLine();

        // Kestrel logs the port it bound; read lines until it does (bounded by a timeout).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            output.Enqueue(line);
            if (ListeningOn().Match(line) is { Success: true } match)
            {
                _ = DrainAsync(process.StandardOutput, output);
                return new ServerProcess(process, new Uri(match.Groups[1].Value), output);
            }
        }
        process.Kill();
        throw new InvalidOperationException($"the server exited with {process.ExitCode} before listening");
    }

    /// <summary>Runs the server (with these extra environment variables) expecting it to stop by itself (a start-up failure); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string dataDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = StartInfo(dataDir, []);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new InvalidOperationException("the server kept running; it was expected to stop at start-up");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The built server on a port it picks itself, with its output captured.</summary>
    private static ProcessStartInfo StartInfo(string dataDir, string[] settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "gitops-status-server.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, "--urls", "http://127.0.0.1:0", "--data-dir", dataDir }.Concat(settings))
            start.ArgumentList.Add(arg);
        return start;
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for the server to stop by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM and waits for a clean exit; returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static async Task DrainAsync(StreamReader reader, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        while (await reader.ReadLineAsync() is { } line)
            output.Enqueue(line);
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();

    /// <summary><c>PRAGMA integrity_check</c> of the server's SQLite file: "ok", or what is wrong.</summary>
    public static string SqliteIntegrity(string dataDir)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(dataDir, "gitops-status.db")};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }
}
