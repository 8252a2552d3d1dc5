using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GitOpsStatus.Server.Tests;

/// <summary>The read concurrency limit (GITOPS_MAX_CONCURRENT_READS, GITOPS_READ_QUEUE), on the server as it ships.</summary>
public sealed class ReadLimitTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-read-limit-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task A_read_beyond_the_limit_and_its_queue_gets_503_with_Retry_After_while_health_answers()
    {
        await using var server = await ServerProcess.StartAsync(_dataDir, "--max-concurrent-reads", "2", "--read-queue", "1");
        using var client = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        // 300 targets of 1,000 drifted files: /status.json is ~14 MB, more than the socket buffers hold, so a client
        // that reads slowly keeps its read running.
        var files = Enumerable.Range(0, 1000).Select(i => $"etc/app/conf.d/{i:0000}-a-rather-long-file-name.conf").ToArray();
        await Parallel.ForAsync(0, 300, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, cancel) =>
        {
            var seeded = await client.PostAsync("/api/status", new StringContent(Reports.Drifted("infra/app", $"host-{i:000}", DateTimeOffset.UtcNow, files), Encoding.UTF8, "application/json"), cancel);
            Assert.Equal(HttpStatusCode.OK, seeded.StatusCode);
        });

        using var stop = new CancellationTokenSource();
        // Two reads run and one waits in the queue.
        var slow = Enumerable.Range(0, 3).Select(_ => SlowRead(server.BaseAddress, "/status.json", stop.Token)).ToList();

        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 30 && refused is null; attempt++)
        {
            // Until the three slow reads hold the limiter, this one may itself wait in the queue: give up on it after 1 s.
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                var response = await client.GetAsync("/api/summary", wait.Token);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    refused = response;
            }
            catch (TaskCanceledException)
            {
            }
        }

        Assert.NotNull(refused);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var problem = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many reads", problem.GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

        await stop.CancelAsync();
        foreach (var read in slow)
            await read;
        // The slots are given back when the slow clients go.
        HttpStatusCode after = 0;
        for (var attempt = 0; attempt < 50 && after != HttpStatusCode.OK; attempt++)
        {
            after = (await client.GetAsync("/api/summary")).StatusCode;
            if (after != HttpStatusCode.OK)
                await Task.Delay(200);
        }
        Assert.Equal(HttpStatusCode.OK, after);
    }

    /// <summary>
    /// A GET whose response is read at ~20 KB/s through a small receive window (above Kestrel's minimum response
    /// rate, so the server keeps it), until <paramref name="stop"/>; then the connection is closed.
    /// </summary>
    private static async Task SlowRead(Uri server, string path, CancellationToken stop)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(server.Host, server.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {server.Authority}\r\n\r\n"));
        var buffer = new byte[1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await socket.ReceiveAsync(buffer, stop);
                await Task.Delay(50, stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
