using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>Clients that trickle, flood or bloat: bounded by Kestrel's limits, the server keeps answering others.</summary>
public class HostileClientTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-hostile-").FullName;
    private ServerProcess _server = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ServerProcess.StartAsync(_dataDir);
        _client = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_body_trickled_byte_by_byte_does_not_hold_up_other_clients_and_is_cut_off()
    {
        using var slow = await Connect();
        var body = Encoding.UTF8.GetBytes(Reports.SeedSynced);
        await slow.GetStream().WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));

        // While one byte goes out every 200 ms, other clients are served.
        var trickle = Task.Run(async () =>
        {
            try
            {
                foreach (var b in body)
                {
                    await slow.GetStream().WriteAsync(new[] { b });
                    await Task.Delay(200);
                }
            }
            catch (IOException)
            {
                // Kestrel's minimum data rate (240 B/s after a 5 s grace) closed the connection.
            }
        });
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/api/status", Json(Reports.Synced("hostile", $"s{i}", DateTimeOffset.UtcNow)))).StatusCode);

        await trickle.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, (await _client.GetStringAsync("/status.json?server=rsyslog-lab")).Count(c => c == '{'));
    }

    [Fact]
    public async Task A_flood_of_idle_connections_leaves_the_server_answering()
    {
        var idle = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 500; i++)
                idle.Add(await Connect());
            var response = await _client.PostAsync("/api/status", Json(Reports.Synced("hostile", "after-flood", DateTimeOffset.UtcNow)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/readyz")).StatusCode);
        }
        finally
        {
            idle.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Headers_over_the_limit_are_refused_with_431()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/status") { Content = Json(Reports.SeedSynced) };
        request.Headers.Add("X-Padding", new string('a', 64 * 1024));
        var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_refused_with_413()
    {
        var chunks = new ChunkedContent(chunkSize: 64 * 1024, count: 24); // 1.5 MiB, no Content-Length to check up front
        var response = await _client.PostAsync("/api/status", chunks);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/healthz")).StatusCode);
    }

    private async Task<TcpClient> Connect()
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.BaseAddress.Host, _server.BaseAddress.Port);
        return tcp;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A body of unknown length, sent with chunked transfer encoding.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly int _chunkSize;
        private readonly int _count;

        public ChunkedContent(int chunkSize, int count)
        {
            (_chunkSize, _count) = (chunkSize, count);
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = Encoding.ASCII.GetBytes(new string(' ', _chunkSize));
            for (var i = 0; i < _count; i++)
                await stream.WriteAsync(chunk);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            SerializeToStreamAsync(stream, context, cancellationToken).GetAwaiter().GetResult();
    }
}

/// <summary>GITOPS_REQUEST_TIMEOUT on the report route, which keeps its own deadline (it is answered ahead of the timeout middleware).</summary>
public class ReportTimeoutTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-timeout-").FullName;
    private ServerProcess _server = null!;

    public async ValueTask InitializeAsync() => _server = await ServerProcess.StartAsync(_dataDir, "--request-timeout", "1s");

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_body_that_stalls_past_the_timeout_gets_503_and_the_stored_report_stays()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var stored = Reports.Synced("timeout", "web-1", DateTimeOffset.UtcNow);
        // The first requests of a fresh process may pass the 1 s timeout while the JIT warms up on a loaded machine.
        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 10 && status == HttpStatusCode.ServiceUnavailable; attempt++)
            status = (await client.PostAsync("/api/status", new StringContent(stored, Encoding.UTF8, "application/json"))).StatusCode;
        Assert.Equal(HttpStatusCode.OK, status);

        // Half of a newer report, then nothing: Kestrel's minimum data rate allows 5 s of grace, the timeout 1 s.
        var newer = Encoding.UTF8.GetBytes(Reports.Drifted("timeout", "web-1", DateTimeOffset.UtcNow.AddMinutes(1), "rsyslog.conf"));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.BaseAddress.Host, _server.BaseAddress.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {newer.Length}\r\n\r\n"));
        await stream.WriteAsync(newer.AsMemory(0, newer.Length / 2));
        var started = System.Diagnostics.Stopwatch.StartNew();
        var answer = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 503", answer, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", answer, StringComparison.Ordinal);
        Assert.Contains("GITOPS_REQUEST_TIMEOUT", answer, StringComparison.Ordinal);
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(4));
        Assert.Contains("\"sync_status\":\"SYNCED\"", await client.GetStringAsync("/status.json?repo=timeout"), StringComparison.Ordinal);
    }
}
