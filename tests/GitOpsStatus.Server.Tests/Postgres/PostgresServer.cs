using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GitOpsStatus.Server.Tests.Postgres;

/// <summary>
/// A throw-away PostgreSQL cluster (Debian's binaries, <c>initdb</c> + <c>pg_ctl</c>) in a temp
/// directory on a free 127.0.0.1 port, run as the non-root <c>gitops-pg</c> user that
/// <c>scripts/install-test-deps.sh</c> creates. <see cref="Restart"/> and <see cref="Stop"/> let tests
/// take the database away under load.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private const string OsUser = "gitops-pg";
    private readonly string _bin;

    public string DataDir { get; }
    public int Port { get; }

    /// <summary>An Npgsql connection string for the <c>postgres</c> superuser's database named <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=30";

    public PostgresServer()
    {
        _bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderDescending().FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed; run scripts/install-test-deps.sh");
        DataDir = Directory.CreateTempSubdirectory("gitops-status-pg-").FullName;
        Port = FreePort();
        Run("chown", "-R", $"{OsUser}:", DataDir);
        RunAs("initdb", "-D", Path.Combine(DataDir, "db"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8");
        Start();
    }

    /// <summary>The path of one of the cluster's PostgreSQL programs (psql, pg_amcheck, pgbench…).</summary>
    public string Tool(string name) => Path.Combine(_bin, name);

    public void Start() => RunAs("pg_ctl", "-D", Path.Combine(DataDir, "db"), "-l", Path.Combine(DataDir, "log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {DataDir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on", "start");

    public void Stop(string mode = "fast") => RunAs("pg_ctl", "-D", Path.Combine(DataDir, "db"), "-w", "-t", "60", "-m", mode, "stop");

    public void Restart()
    {
        Stop("immediate");
        Start();
    }

    public void Dispose()
    {
        try
        {
            Stop("immediate");
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        Directory.Delete(DataDir, recursive: true);
    }

    private void RunAs(string tool, params string[] args) => Run("runuser", ["-u", OsUser, "--", Path.Combine(_bin, tool), .. args]);

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr}{stdout.Result}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
