using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary>How a <see cref="FaultyHttpServer"/> misbehaves.</summary>
public enum Fault
{
    /// <summary>Reads the request and never answers (the connection stays open until the test ends).</summary>
    Hang,

    /// <summary>Accepts the connection and closes it at once, before any answer.</summary>
    Drop,

    /// <summary>Answers HTTP 500 with a problem details body.</summary>
    Status500,

    /// <summary>Answers HTTP 503 with a problem details body.</summary>
    Status503,
}

/// <summary>A raw TCP listener on a free loopback port that fails every request the same way, counting connections.</summary>
public sealed class FaultyHttpServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<TcpClient> held = [];
    private readonly Task loop;
    private int connections;

    public FaultyHttpServer(Fault fault)
    {
        listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        loop = Task.Run(() => AcceptAsync(fault));
    }

    public string Url { get; }

    /// <summary>The header block of every request read, in arrival order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> RequestHeads { get; } = new();

    /// <summary>Connections accepted so far: one per delivery attempt.</summary>
    public int Connections => Volatile.Read(ref connections);

    private async Task AcceptAsync(Fault fault)
    {
        // Bounded: a check makes a handful of attempts; anything past 100 connections is a runaway retry loop.
        while (!stop.IsCancellationRequested && Connections < 100)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref connections);
            _ = Task.Run(() => ServeAsync(client, fault));
        }
    }

    private async Task ServeAsync(TcpClient client, Fault fault)
    {
        try
        {
            if (fault == Fault.Drop)
            {
                client.Client.LingerState = new LingerOption(true, 0); // RST, as a crashed peer or a firewall would
                client.Dispose();
                return;
            }
            var stream = client.GetStream();
            await ReadRequestAsync(stream);
            if (fault == Fault.Hang)
            {
                lock (held)
                    held.Add(client);
                return;
            }
            var code = fault == Fault.Status500 ? 500 : 503;
            var body = $$"""{"type":"about:blank","title":"Injected fault","status":{{code}},"detail":"fault injected by the test"}""";
            var head = $"HTTP/1.1 {code} Fault\r\nContent-Type: application/problem+json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(head + body), stop.Token);
            client.Dispose();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            client.Dispose();
        }
    }

    /// <summary>Headers up to the blank line, then Content-Length bytes of body (bounded by a 1 MiB cap).</summary>
    private async Task ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfBlankLine(received)) < 0 && received.Count < 1 << 20)
        {
            var read = await stream.ReadAsync(buffer, stop.Token);
            if (read == 0)
                return;
            received.AddRange(buffer.AsSpan(0, read));
        }
        var headers = Encoding.ASCII.GetString([.. received[..headerEnd]]);
        RequestHeads.Enqueue(headers);
        var length = headers.Split("\r\n")
            .Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var remaining = Math.Min(length, 1 << 20) - (received.Count - headerEnd - 4);
        while (remaining > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)), stop.Token);
            if (read == 0)
                return;
            remaining -= read;
        }
    }

    private static int IndexOfBlankLine(List<byte> bytes)
    {
        for (var i = 0; i + 3 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')
                return i;
        }
        return -1;
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        lock (held)
        {
            foreach (var client in held)
                client.Dispose();
        }
        loop.Wait(TimeSpan.FromSeconds(5));
        listener.Dispose();
        stop.Dispose();
    }
}
