using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GitOpsStatus.Server.OpenApi;

/// <summary>The document's info, its server URL without the trailing slash, the Bearer scheme, and the stored report typed as the report.</summary>
internal sealed class DocumentTransformer : IOpenApiDocumentTransformer
{
    public const string Bearer = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var version = typeof(DocumentTransformer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        document.Info = new OpenApiInfo
        {
            Title = "gitops-status",
            Version = version,
            Description = "Drift reports in (POST /api/status), derived status out: /status.json for Grafana Infinity, "
                + "/metrics for Prometheus and a JSON API for scripts. STALE is derived at read time from last_check.",
            Contact = new OpenApiContact { Name = "gitops-status maintainers" },
        };
        foreach (var server in document.Servers ?? [])
            server.Url = server.Url?.TrimEnd('/');

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A token from GITOPS_READ_TOKEN (reads), GITOPS_WRITE_TOKENS (POST /api/status) or GITOPS_ADMIN_TOKEN (DELETE). "
                + "Routes are open while their setting is empty.",
        };

        // GET /api/targets/{server}/{repo} returns the stored report as a JsonElement (it is stored as JSON): it is the report.
        var schemas = document.Components.Schemas;
        if (schemas is not null && schemas.TryGetValue("TargetDetailResponse", out var detail) && detail is OpenApiSchema { Properties: { } properties })
        {
            properties["report"] = new OpenApiSchemaReference("StatusReport", document);
            schemas.Remove("JsonElement");
        }
        return Task.CompletedTask;
    }
}
