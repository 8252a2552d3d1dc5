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
}
