using System.Globalization;
using System.Net.ServerSentEvents;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;

namespace GitOpsStatus.Server.Live;

/// <summary>
/// <c>GET /events</c>: Server-Sent Events for the dashboard. An event <c>change</c> (data: the feed's version) says
/// "reload what you show"; it carries no target data, so what a page shows still comes from the pages' own access-checked
/// reads. A <c>ping</c> every <see cref="Heartbeat"/> keeps proxies from closing an idle stream. Each stream sends at most
/// one change per <see cref="MinGap"/> (a burst of reports is one reload), ends when the server stops, and at most
/// <c>GITOPS_MAX_EVENT_STREAMS</c> are open at once (one more gets 503 with <c>Retry-After</c>).
/// </summary>
public static class EventsApi
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan MinGap = TimeSpan.FromMilliseconds(200);

    /// <summary>The route, in a group that applies the dashboard's read check; not under the read concurrency limit,
    /// whose slots a stream would hold for hours, nor under the request timeout.</summary>
    public static IEndpointRouteBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/events", Get).WithName("DashboardEvents").DisableRequestTimeout();
        return app;
    }

    private static IResult Get(HttpContext context, ChangeFeed feed, ServerOptions options, IHostApplicationLifetime lifetime)
    {
        if (feed.TryOpen(options.MaxEventStreams) is not { } lease)
            return Problem.Unavailable(context, 503, "Too many live dashboards",
                $"{options.MaxEventStreams} event streams are open (GITOPS_MAX_EVENT_STREAMS); the page still refreshes every {options.DashboardRefresh.TotalSeconds:0} s.", 30);
        context.Response.RegisterForDispose(lease);
        context.Response.Headers["X-Accel-Buffering"] = "no"; // nginx: pass each event on at once
        return TypedResults.ServerSentEvents(StreamAsync(feed, context.RequestAborted, lifetime.ApplicationStopping));
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(ChangeFeed feed, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken aborted, CancellationToken stopping = default)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        var seen = feed.Version;
        yield return new SseItem<string>(Text(seen), "ready") { ReconnectionInterval = TimeSpan.FromSeconds(5) };
        while (!ended.IsCancellationRequested)
        {
            if (await feed.WaitAsync(seen, Heartbeat, ended.Token))
            {
                seen = feed.Version;
                yield return new SseItem<string>(Text(seen), "change");
                await Pause(ended.Token);
            }
            else if (!ended.IsCancellationRequested)
                yield return new SseItem<string>("", "ping");
        }
    }

    private static async Task Pause(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(MinGap, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The stream ends: the loop sees it.
        }
    }

    private static string Text(long version) => version.ToString(CultureInfo.InvariantCulture);
}
