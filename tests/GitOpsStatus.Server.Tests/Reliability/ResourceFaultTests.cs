using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;

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

    [Fact]
    public async Task A_full_disk_refuses_reports_with_507_keeps_the_earlier_ones_and_recovers_when_space_returns()
    {
        var filler = Path.Combine(_mount, "filler");
        using (var server = new AppServer(dataDir: Path.Combine(_mount, "data")))
        {
            var t = AppServer.Start.AddMinutes(-5);
            Assert.Equal(HttpStatusCode.OK, (await server.PostJson(Reports.Drifted("disk", "before", t, "a.conf"))).StatusCode);
            FillUp(filler);

            // Reports with large diffs, until the database cannot grow.
            HttpResponseMessage? refused = null;
            for (var i = 0; i < 200 && refused is null; i++)
            {
                var response = await server.PostJson(BigReport($"full-{i}", t.AddSeconds(i)));
                if (response.StatusCode != HttpStatusCode.OK)
                    refused = response;
            }

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
