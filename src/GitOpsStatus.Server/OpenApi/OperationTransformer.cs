using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GitOpsStatus.Server.OpenApi;

/// <summary>Each operation's security requirement and response headers, from its endpoint metadata.</summary>
internal sealed class OperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.Any(m => m is TokenRequired or IAuthorizeData))
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentTransformer.Bearer, context.Document)] = [] }];

        foreach (var (code, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse concrete)
                continue;
            var status = int.Parse(code, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var header in metadata.OfType<ResponseHeader>().Where(h => h.StatusCode == status))
                Add(concrete, header.Name, header.Description);
            if (status == StatusCodes.Status401Unauthorized)
                Add(concrete, "WWW-Authenticate", "Bearer realm=\"gitops-status\", with error=\"invalid_token\" when a token was sent but is not valid.");
            if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status507InsufficientStorage)
                Add(concrete, "Retry-After", "Seconds to wait before sending again.", JsonSchemaType.Integer);
        }
        return Task.CompletedTask;
    }

    private static void Add(OpenApiResponse response, string name, string description, JsonSchemaType type = JsonSchemaType.String)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Required = true, Schema = new OpenApiSchema { Type = type } };
    }
}
