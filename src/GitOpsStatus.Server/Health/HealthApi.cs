using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Writing;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GitOpsStatus.Server.Health;

/// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: the store answers a query, the writer runs, and
/// after a storage fault (disk full, read-only) a probe write succeeds again; when not, a 503 problem says why.</summary>
public static class HealthApi
{
    private const string Ready = "ready";
    private static readonly HttpMethodMetadata Get = new([HttpMethods.Get]);

    public static IServiceCollection AddHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StoreReadiness>("store", tags: [Ready]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = (context, _) => Text(context, "ok\n") })
            .WithMetadata(Get);
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = (context, report) => report.Status == HealthStatus.Healthy
                ? Text(context, "ready\n")
                : Problem.Failed(503, "Not ready", string.Join(" ", report.Entries.Values.Select(e => e.Description))).ExecuteAsync(context),
        }).WithMetadata(Get);
        return app;
    }

    private static Task Text(HttpContext context, string text)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text);
    }

    private sealed class StoreReadiness(IStatusStore store, GroupCommitWriter writer) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
            writer.IsRunning && await store.PingAsync(cancellationToken) && await writer.IsWritableAsync()
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy(writer.StorageFault is { } fault
                    ? $"The store cannot take writes: {fault}."
                    : "The database does not answer or the writer has stopped.");
    }
}
