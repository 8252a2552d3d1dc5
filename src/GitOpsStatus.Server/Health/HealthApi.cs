using GitOpsStatus.Server.Ingestion;
using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Health;

/// <summary><c>/healthz</c>: the process is up. <c>/readyz</c>: the store answers a query and the writer runs.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok\n")).WithName("Healthz").ExcludeFromDescription();
        app.MapGet("/readyz", async (IStatusStore store, GroupCommitWriter writer, CancellationToken cancellationToken) =>
            writer.IsRunning && await store.PingAsync(cancellationToken)
                ? Results.Text("ready\n")
                : Results.Problem("The database does not answer or the writer has stopped.", statusCode: 503, title: "Not ready"))
            .WithName("Readyz").ExcludeFromDescription();
        return app;
    }
}
