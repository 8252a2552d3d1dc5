using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// A real HTTP receiver on a free loopback port, recording every POST; it answers 500 to the first
/// <c>failFirst</c> requests, then 204.
/// </summary>
public sealed class WebhookListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _failuresLeft;

    public string Url { get; }
    public ConcurrentQueue<Delivery> Received { get; } = new();

    private int _arrived;

    /// <summary>Requests whose body was read, answered or not yet (a slow sink's delivery in flight).</summary>
    public int Arrived => Volatile.Read(ref _arrived);

    public sealed record Delivery(string Path, int Answered, string Body, string? UserAgent = null)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    private readonly TimeSpan _answerAfter;

    /// <param name="failFirst">how many requests get a 500 first</param>
    /// <param name="answerAfter">how long each answer takes (a slow sink)</param>
    public WebhookListener(int failFirst = 0, TimeSpan answerAfter = default)
    {
        _failuresLeft = failFirst;
        _answerAfter = answerAfter;
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                Url = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // Another process took the port between probing and binding; try another.
            }
        }
        _loop = Task.Run(Serve);
    }

    /// <summary>The path and query each request was sent to, as received.</summary>
    public ConcurrentQueue<string> Targets { get; } = new();

    /// <summary>Deliveries answered with success.</summary>
    public List<Delivery> Delivered => Received.Where(d => d.Answered < 300).ToList();

    /// <summary>Polls (20 s unless <paramref name="timeout"/> says otherwise) until <paramref name="done"/> holds, calling <paramref name="step"/> between polls (e.g. to move the clock).</summary>
    public async Task WaitUntil(Func<WebhookListener, bool> done, Action? step = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < limit && !done(this);)
        {
            step?.Invoke();
            await Task.Delay(50);
        }
        Assert.True(done(this), $"webhook deliveries so far: {string.Join(" | ", Received.Select(d => $"{d.Answered} {d.Body}"))}");
    }

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            Targets.Enqueue(context.Request.Url!.PathAndQuery);
            Interlocked.Increment(ref _arrived);
            var status = Interlocked.Decrement(ref _failuresLeft) >= 0 ? 500 : 204;
            if (_answerAfter > TimeSpan.Zero)
                await Task.Delay(_answerAfter);
            Received.Enqueue(new Delivery(context.Request.Url!.AbsolutePath, status, body, context.Request.UserAgent));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        // Close alone: Stop then Close makes the managed listener look its endpoint up again, binding the
        // port anew (and failing when another process has it by then).
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
