using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using Microsoft.AspNetCore.Http.Timeouts;

namespace GitOpsStatus.Server.Access;

/// <summary>
/// Bounds on what one client can cost: a per-client rate limit on writes (<c>GITOPS_WRITE_RATE_LIMIT</c>
/// reports per minute, off by default) and a timeout on every request (<c>GITOPS_REQUEST_TIMEOUT</c>).
/// A client is its write token when it sends one (behind an ingress every pipeline shares one address),
/// else its remote address.
/// </summary>
public static class AbuseLimits
{
    public static IServiceCollection AddAbuseLimits(this IServiceCollection services)
    {
        services.AddSingleton(services => new WriteRateLimit(services.GetRequiredService<ServerOptions>().WriteRateLimit));
        services.AddSingleton(services => new SharedDeadline(services.GetRequiredService<ServerOptions>().RequestTimeout));
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<ServerOptions>((timeouts, options) =>
            timeouts.DefaultPolicy = new RequestTimeoutPolicy { Timeout = options.RequestTimeout, TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable });
        return services;
    }

    internal static string Client(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        return authorization.Length > 0
            ? "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)), 0, 8)
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }
}

/// <summary>
/// <c>GITOPS_WRITE_RATE_LIMIT</c>: a token bucket per client, checked by the report route itself (which the
/// routing middleware answers ahead of the rate-limiting middleware; see <see cref="Ingestion.IngestApi"/>).
/// </summary>
public sealed class WriteRateLimit(int perMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext>? _limiter = perMinute == 0 ? null :
        PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(AbuseLimits.Client(context),
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = perMinute,
                TokensPerPeriod = perMinute,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));

    /// <summary>429 with <c>Retry-After</c> when the client has used up its minute, else null (always null when off).</summary>
    public IResult? Refuse(HttpContext context)
    {
        if (_limiter is null)
            return null;
        using var lease = _limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
            return null;
        context.Response.Headers.RetryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
            ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : "60";
        return Problem.Rejected(429, "Too many reports", "client",
            $"this client sent more than {perMinute} reports in a minute (GITOPS_WRITE_RATE_LIMIT); wait for Retry-After seconds");
    }

    public void Dispose() => _limiter?.Dispose();
}

/// <summary>
/// <c>GITOPS_REQUEST_TIMEOUT</c> for the report route, which the routing middleware answers ahead of the timeout
/// middleware. Its token is shared by every request that starts within the same second, so the route arms one timer
/// a second instead of a linked token source and a timer per request (the timeout middleware's cost was 3.7 % of
/// reports/s at 16 connections, bench/ingest/ab.sh); a request is cut off between the timeout and a second after it.
/// </summary>
public sealed class SharedDeadline(TimeSpan timeout)
{
    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);
    // A timer's longest delay (about 49 days): a longer timeout is as good as none.
    private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(Math.Min((timeout + Slice).TotalMilliseconds, uint.MaxValue - 1.0));

    // One immutable pair, swapped whole: a reader never pairs an old, perhaps long cancelled, token with a fresh end.
    private sealed record Window(CancellationTokenSource Source, long EndsAt);

    private Window? _window;

    /// <summary>A token cancelled once the timeout has passed, counted from about now.</summary>
    public CancellationToken Next()
    {
        var now = Environment.TickCount64;
        var window = Volatile.Read(ref _window);
        if (window is not null && now < window.EndsAt)
            return window.Source.Token;
        // Two requests may both open a window at a slice's edge: the loser's token is as good, and its timer fires
        // and frees itself like the others (a source cancelled by its timer holds nothing once it has fired).
        var fresh = new Window(new CancellationTokenSource(_delay), now + (long)Slice.TotalMilliseconds);
        Volatile.Write(ref _window, fresh);
        return fresh.Source.Token;
    }
}
