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
/// reports per minute, off by default) and a timeout on every request (<c>GITOPS_REQUEST_TIMEOUT</c>).
/// A client is its write token when it sends one (behind an ingress every pipeline shares one address),
/// else its remote address.
/// </summary>
public static class AbuseLimits
{
    public const string WritePolicy = "writes";

    public static IServiceCollection AddAbuseLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(WritePolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<ServerOptions>().WriteRateLimit;
                if (perMinute == 0)
                    return RateLimitPartition.GetNoLimiter("unlimited");
                return RateLimitPartition.GetTokenBucketLimiter(Client(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perMinute,
                    TokensPerPeriod = perMinute,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var http = rejected.HttpContext;
                http.RequestServices.GetRequiredService<ServerMetrics>().CountRejection(429);
                var limit = http.RequestServices.GetRequiredService<ServerOptions>().WriteRateLimit;
                http.Response.Headers.RetryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? ((int)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : "60";
                await Problem.Rejected(429, "Too many reports", "client",
                    $"this client sent more than {limit} reports in a minute (GITOPS_WRITE_RATE_LIMIT); wait for Retry-After seconds").ExecuteAsync(http);
            };
        });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<ServerOptions>((timeouts, options) =>
            timeouts.DefaultPolicy = new RequestTimeoutPolicy { Timeout = options.RequestTimeout, TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable });
        return services;
    }

    private static string Client(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        return authorization.Length > 0
            ? "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)), 0, 8)
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }
}
