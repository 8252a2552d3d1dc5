using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Writing;

namespace GitOpsStatus.Server.Health;

/// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: the store answers a query, the writer runs, and
/// after a storage fault (disk full, read-only) a probe write succeeds again.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok\n")).WithName("Healthz").ExcludeFromDescription();
        app.MapGet("/readyz", async (IStatusStore store, GroupCommitWriter writer, CancellationToken cancellationToken) =>
            writer.IsRunning && await store.PingAsync(cancellationToken) && await writer.IsWritableAsync()
                ? Results.Text("ready\n")
                : Results.Problem(writer.StorageFault is { } fault
                    ? $"The store cannot take writes: {fault}."
                    : "The database does not answer or the writer has stopped.", statusCode: 503, title: "Not ready"))
            .WithName("Readyz").ExcludeFromDescription();
        return app;
    }
}
