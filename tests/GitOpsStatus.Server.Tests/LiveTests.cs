using System.Net;
using GitOpsStatus.Server.Tests.Postgres;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// <c>GET /events</c>, the dashboard's Server-Sent Events: a stored report wakes open streams, on one server and across
/// PostgreSQL replicas; the stream obeys the read rules and its cap. Runs on both stores (<see cref="LiveTestsOnSqlite"/>,
/// <see cref="LiveTestsOnPostgres"/>); the browser side is in the dashboard tests (LiveTests).
/// </summary>
public abstract class LiveTests(PostgresCluster? postgres) : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    protected PostgresCluster? Postgres => postgres;

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
            owned.Dispose();
        GC.SuppressFinalize(this);
    }

    private AppServer Server(Dictionary<string, string>? settings = null)
    {
        var server = new AppServer(settings, postgres: postgres);
        _owned.Add(server);
        return server;
    }

    [Fact]
    public async Task A_stored_report_wakes_an_open_stream_and_a_repeated_one_does_not()
    {
        var server = Server();
        await server.PostJson(Reports.Synced("r", "s", AppServer.Start));
        using var events = await EventReader.OpenAsync(server.Client);
        Assert.Equal("ready", await events.NextAsync());

        await server.PostJson(Reports.Drifted("r", "s", AppServer.Start.AddSeconds(1), "a.conf"));
        Assert.Equal("change", await events.NextAsync(TimeSpan.FromSeconds(5)));

        await server.PostJson(Reports.Drifted("r", "s", AppServer.Start.AddSeconds(1), "a.conf")); // the same report: unchanged
        Assert.Null(await events.NextAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Streams_past_the_cap_get_503_and_a_closed_one_frees_its_slot()
    {
        var server = Server(new() { ["GITOPS_MAX_EVENT_STREAMS"] = "1" });
        var first = await EventReader.OpenAsync(server.Client);
        Assert.Equal("ready", await first.NextAsync());

        using var refused = await server.Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter);

        first.Dispose();
        HttpStatusCode status = 0;
        for (var i = 0; i < 50 && status != HttpStatusCode.OK; i++)
        {
            await Task.Delay(100);
            using var again = await server.Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
            status = again.StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task The_stream_needs_the_read_token_like_the_pages()
    {
        var server = Server(new() { ["GITOPS_READ_TOKEN"] = "read-secret", ["GITOPS_WRITE_TOKENS"] = "w" });

        using var anonymous = await server.Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
        using var writer = await server.Send(HttpMethod.Get, "/events", "w");
        using var events = await EventReader.OpenAsync(server.Client, "read-secret");

        // The test client follows the 303 to the sign-in form, as a browser's EventSource would (and then gives up).
        foreach (var refused in new[] { anonymous, writer })
        {
            Assert.Equal("/login", refused.RequestMessage!.RequestUri!.AbsolutePath);
            Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal("ready", await events.NextAsync());
    }
}

public sealed class LiveTestsOnSqlite() : LiveTests(null)
{
}

public sealed class LiveTestsOnPostgres(PostgresCluster postgres) : LiveTests(postgres)
{
    [Fact]
    public async Task A_report_stored_through_another_replica_wakes_this_replicas_stream()
    {
        var (name, database) = Postgres!.CreateDatabase();
        try
        {
            using var a = new AppServer(database: database);
            using var b = new AppServer(database: database);
            using var events = await EventReader.OpenAsync(a.Client);
            Assert.Equal("ready", await events.NextAsync());
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the poller has read the tag once

            var posted = System.Diagnostics.Stopwatch.StartNew();
            await b.PostJson(Reports.Drifted("r", "s", AppServer.Start, "a.conf"));

            Assert.Equal("change", await events.NextAsync(TimeSpan.FromSeconds(5)));
            Assert.True(posted.Elapsed < TimeSpan.FromSeconds(3), $"seen after {posted.Elapsed.TotalMilliseconds:0} ms");
        }
        finally
        {
            Postgres.DropDatabase(name);
        }
    }
}

/// <summary>An open <c>GET /events</c>, read one event at a time (pings skipped).</summary>
public sealed class EventReader : IDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private Task<string?>? _line;

    private EventReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public static async Task<EventReader> OpenAsync(HttpClient client, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/events");
        if (token is not null)
            request.Headers.Authorization = new("Bearer", token);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /events: {(int)response.StatusCode}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new EventReader(response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event's name other than <c>ping</c>, or null when none came within <paramref name="timeout"/> (default 5 s).</summary>
    public async Task<string?> NextAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        string? name = null;
        while (true)
        {
            // A line read that timed out stays pending and is awaited by the next call: no line is lost.
            _line ??= _reader.ReadLineAsync();
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(_line, Task.Delay(left)) != _line)
                return null;
            var line = await _line;
            _line = null;
            if (line is null)
                return null;
            if (line.StartsWith("event:", StringComparison.Ordinal))
                name = line["event:".Length..].Trim();
            else if (line.Length == 0 && name is not null)
            {
                if (name != "ping")
                    return name;
                name = null;
            }
        }
    }

    public void Dispose()
    {
        _response.Dispose();
        _reader.Dispose();
    }
}
