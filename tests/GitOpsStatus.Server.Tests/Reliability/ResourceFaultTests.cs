using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// The data directory on a real, tiny tmpfs: filled up while the server runs, and mounted read-only
/// before it starts. Needs root (the test set-up runs as root) to mount.
/// </summary>
public class ResourceFaultTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("gitops-status-tmpfs-").FullName;

    public ResourceFaultTests() => Sh("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", _mount);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Sh("umount", "--lazy", _mount);
        Directory.Delete(_mount, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Posts reports with large diffs (at most 200), until the database cannot grow: the first answer that is not 200, or null.</summary>
    private static async Task<HttpResponseMessage?> FirstRefusedAsync(AppServer server, DateTimeOffset t)
    {
        for (var i = 0; i < 200; i++)
        {
            var response = await server.PostJson(BigReport($"full-{i}", t.AddSeconds(i)));
            if (response.StatusCode != HttpStatusCode.OK)
                return response;
        }
        return null;
    }

    [Fact]
    public async Task A_full_disk_refuses_reports_with_507_keeps_the_earlier_ones_and_recovers_when_space_returns()
    {
        var filler = Path.Combine(_mount, "filler");
        using (var server = new AppServer(dataDir: Path.Combine(_mount, "data")))
        {
            var t = AppServer.Start.AddMinutes(-5);
            Assert.Equal(HttpStatusCode.OK, (await server.PostJson(Reports.Drifted("disk", "before", t, "a.conf"))).StatusCode);
            FillUp(filler);

            var refused = await FirstRefusedAsync(server, t);

            Assert.NotNull(refused);
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter);
            await (await OpenApiContract.LoadAsync(server.Client)).CheckAsync(refused);
            // (/readyz may already answer 200 here: its probe is a one-page write, which can fit in WAL
            // frames the failed batch left behind. It turns 503 only while even that fails.)
            Assert.Equal("a.conf", (await server.StatusJson("?server=before"))[0].GetProperty("files").GetString());

            File.Delete(filler);

            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.PostJson(BigReport("after", t.AddMinutes(1)))).StatusCode);
            Assert.Equal(1, (await server.StatusJson("?server=after")).GetArrayLength());
        }
        Assert.Equal("ok", ServerProcess.SqliteIntegrity(Path.Combine(_mount, "data")));
    }

    [Fact]
    public async Task While_reports_fail_on_a_full_disk_the_server_is_never_ready_and_the_periodic_jobs_keep_running_until_space_returns()
    {
        var filler = Path.Combine(_mount, "filler");
        using var server = new AppServer(new() { ["GITOPS_SWEEP_INTERVAL"] = "0.1s" }, dataDir: Path.Combine(_mount, "data"));
        var t = AppServer.Start;
        for (var i = 0; i < 100; i++)
            Assert.Equal(HttpStatusCode.OK, (await server.PostJson(Reports.Synced("disk", $"web-{i}", t, interval: 60))).StatusCode);
        FillUp(filler);
        var refused = await FirstRefusedAsync(server, t);
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused?.StatusCode);
        server.Clock.Advance(TimeSpan.FromMinutes(4)); // the 100 targets go STALE: the sweep has rows to write

        // Never ready while reports are refused (issue 18 saw ready in 4 of 6 tries: a one-page probe fitted where the
        // refused report did not; the probe now writes as much as that report).
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Client.GetAsync("/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/status.json?server=web-0")).StatusCode);
            await Task.Delay(500);
        }

        File.Delete(filler);

        await WaitUntilReady(server);
        Assert.Equal(HttpStatusCode.OK, (await server.PostJson(BigReport("after", t.AddMinutes(1)))).StatusCode);
        await WaitUntilAnnouncedStale(server, "web-99");
        Assert.False(server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task When_only_the_stale_sweep_cannot_write_on_a_full_disk_the_server_is_not_ready_until_it_can()
    {
        var filler = Path.Combine(_mount, "filler");
        using var server = new AppServer(new() { ["GITOPS_SWEEP_INTERVAL"] = "0.1s" }, dataDir: Path.Combine(_mount, "data"));
        var t = AppServer.Start;
        for (var i = 0; i < 100; i++)
            Assert.Equal(HttpStatusCode.OK, (await server.PostJson(Reports.Synced("disk", $"web-{i}", t, interval: 60))).StatusCode);
        // An empty WAL (as after the checkpointer's last pass), so any write must grow a file; then no space left.
        Assert.Equal(0L, Checkpoint(Path.Combine(_mount, "data")));
        FillUp(filler);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/readyz")).StatusCode);

        server.Clock.Advance(TimeSpan.FromMinutes(4)); // no report fails; the sweep has 100 STALE targets to write
        var ready = HttpStatusCode.OK;
        for (var i = 0; i < 100 && ready == HttpStatusCode.OK; i++)
        {
            await Task.Delay(100);
            ready = (await server.Client.GetAsync("/readyz")).StatusCode;
        }
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(500);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await server.Client.GetAsync("/readyz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/status.json?server=web-0")).StatusCode);
        }

        File.Delete(filler);

        await WaitUntilReady(server);
        await WaitUntilAnnouncedStale(server, "web-99");
        // The sweep logs its recovery after its transaction commits, so the STALE event can be visible a moment before the line.
        for (var i = 0; i < 50 && !server.Logs.Lines.Any(l => l.Contains("The stale sweep works again after", StringComparison.Ordinal)); i++)
            await Task.Delay(100);
        Assert.Single(server.Logs.Lines, l => l.Contains("The stale sweep failed (the disk is full)", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Lines, l => l.Contains("The stale sweep works again after", StringComparison.Ordinal));
    }

    private static async Task WaitUntilReady(AppServer server)
    {
        var ready = HttpStatusCode.ServiceUnavailable;
        for (var i = 0; i < 100 && ready != HttpStatusCode.OK; i++)
        {
            ready = (await server.Client.GetAsync("/readyz")).StatusCode;
            await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.OK, ready);
    }

    /// <summary>Waits (the sweep backs off while it fails: up to a minute) for the sweep's STALE event in the target's history.</summary>
    private static async Task WaitUntilAnnouncedStale(AppServer server, string target)
    {
        var history = "";
        for (var i = 0; i < 600 && !history.Contains("\"STALE\"", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
            history = await server.Client.GetStringAsync($"/api/history/{target}/disk");
        }
        Assert.Contains("\"STALE\"", history, StringComparison.Ordinal);
    }

    /// <summary><c>PRAGMA wal_checkpoint(TRUNCATE)</c> from another connection; returns the WAL's frames left (0: emptied).</summary>
    private static long Checkpoint(string dataDir)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "gitops-status.db")};Pooling=false;Default Timeout=10");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
        using var reader = command.ExecuteReader();
        reader.Read();
        return reader.GetInt64(0) == 0 ? reader.GetInt64(1) : -1;
    }

    [Fact]
    public async Task A_read_only_data_directory_stops_start_up_with_one_clear_line()
    {
        Sh("mount", "-o", "remount,ro", _mount);

        var (exitCode, output) = await ServerProcess.RunToExitAsync(Path.Combine(_mount));

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"Cannot open the database in GITOPS_DATA_DIR={_mount}", output);
        Assert.Contains("writable", output);
        Assert.DoesNotContain("   at ", output); // one sentence, no stack trace
    }

    private static string BigReport(string server, DateTimeOffset at) => System.Text.Json.JsonSerializer.Serialize(new
    {
        repo = "disk",
        server,
        sync_status = "OUT_OF_SYNC",
        drift_count = 1,
        files = new[] { new { name = "big.conf", diff = "--- a\n+++ b\n" + string.Concat(Enumerable.Range(0, 3000).Select(i => $"+line {i} {server}\n")) } },
        last_check = at.ToString("O"),
    });

    private static void FillUp(string path)
    {
        using var file = File.OpenWrite(path);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
                file.Write(chunk);
        }
        catch (IOException)
        {
            // ENOSPC: the filesystem is full.
        }
    }

    private static void Sh(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {error}");
    }
}
