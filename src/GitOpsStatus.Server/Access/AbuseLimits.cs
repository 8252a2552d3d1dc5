using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using GitOpsStatus.Server.Metrics;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Settings;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;

namespace GitOpsStatus.Server.Access;

/// <summary>
/// Bounds on what one client can cost: a per-client rate limit on writes (<c>GITOPS_WRITE_RATE_LIMIT</c>
/// reports per minute, off by default; the <see cref="WriteRate"/> policy) and a timeout on every request
/// (<c>GITOPS_REQUEST_TIMEOUT</c>, 503 with <c>Retry-After</c>), and a concurrency limit on reads (the <see cref="ReadConcurrency"/>
/// policy).
/// </summary>
public static class AbuseLimits
{
    /// <summary>The rate-limiting policy of the write routes.</summary>
    public const string WriteRate = "write-rate";

    /// <summary>The concurrency limit of the read routes.</summary>
    public const string ReadConcurrency = "read-concurrency";

    public static IServiceCollection AddAbuseLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(limits =>
        {
            limits.AddPolicy<string, WriteRatePolicy>(WriteRate);
            limits.AddPolicy<string, ReadConcurrencyPolicy>(ReadConcurrency);
        });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<ServerOptions>((timeouts, options) =>
            timeouts.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = options.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = context => Problem.Unavailable(context, 503, "Request timed out",
                    $"The request did not finish within {options.RequestTimeout.TotalSeconds:0.###} s (GITOPS_REQUEST_TIMEOUT); send it again.", 5)
                    .ExecuteAsync(context),
            });
        return services;
    }

    /// <summary>
    /// The <see cref="WriteRate"/> policy on the group when <c>GITOPS_WRITE_RATE_LIMIT</c> is set; unset, the group carries no
    /// policy, so the rate limiter middleware passes its requests straight on instead of leasing from a no-op limiter
    /// for each report (<c>bench/ingest/ab.sh</c>).
    /// </summary>
    public static RouteGroupBuilder RequireWriteRateLimit(this RouteGroupBuilder group) =>
        ((IEndpointRouteBuilder)group).ServiceProvider.GetRequiredService<ServerOptions>().WriteRateLimit > 0 ? group.RequireRateLimiting(WriteRate) : group;

    /// <summary>
    /// One limiter for every read: at most <c>GITOPS_MAX_CONCURRENT_READS</c> run, <c>GITOPS_READ_QUEUE</c> more wait (oldest
    /// first), and one more gets 503 with <c>Retry-After</c>: reads piling up cannot take the server's memory or its database.
    /// </summary>
    private sealed class ReadConcurrencyPolicy(ServerOptions options) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (rejected, _) =>
            await Problem.Unavailable(rejected.HttpContext, 503, "Too many reads",
                $"{options.MaxConcurrentReads} reads are running and {options.ReadQueue} waiting (GITOPS_MAX_CONCURRENT_READS, GITOPS_READ_QUEUE); send it again after Retry-After seconds.", 1)
                .ExecuteAsync(rejected.HttpContext);

        public RateLimitPartition<string> GetPartition(HttpContext context) =>
            RateLimitPartition.GetConcurrencyLimiter("reads", _ => new ConcurrencyLimiterOptions
            {
                PermitLimit = options.MaxConcurrentReads,
                QueueLimit = options.ReadQueue,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            });
    }

    /// <summary>A token bucket per client; a refused report gets 429 with <c>Retry-After</c> and is counted.</summary>
    private sealed class WriteRatePolicy(ServerOptions options, ServerMetrics metrics) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (rejected, _) =>
        {
            var context = rejected.HttpContext;
            context.Response.Headers.RetryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture)
                : "60";
            metrics.CountRejection(StatusCodes.Status429TooManyRequests);
            await Problem.Rejected(429, "Too many reports", "client",
                $"this client sent more than {options.WriteRateLimit} reports in a minute (GITOPS_WRITE_RATE_LIMIT); wait for Retry-After seconds")
                .ExecuteAsync(context);
        };

        public RateLimitPartition<string> GetPartition(HttpContext context) => options.WriteRateLimit == 0
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetTokenBucketLimiter(Client(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = options.WriteRateLimit,
                TokensPerPeriod = options.WriteRateLimit,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });

        /// <summary>A client is its write token when it sends one (behind an ingress every pipeline shares one address), else its remote address.</summary>
        private static string Client(HttpContext context)
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            return authorization.Length > 0
                ? "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)), 0, 8)
                : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        }
    }
}
