using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using GitOpsStatus.Server.Problems;

namespace GitOpsStatus.Server.Access;

/// <summary>
/// <c>GITOPS_WRITE_RATE_LIMIT</c>: a token bucket per client, checked by the report route itself (which the
/// routing middleware answers ahead of the rate-limiting middleware; see <see cref="Ingestion.IngestApi"/>).
/// </summary>
public sealed class WriteRateLimit(int perMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext>? _limiter = perMinute == 0 ? null :
        PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(Client(context),
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

    /// <summary>A client is its write token when it sends one (behind an ingress every pipeline shares one address), else its remote address.</summary>
    private static string Client(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        return authorization.Length > 0
            ? "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)), 0, 8)
            : "address:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }
}
