using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GitOpsStatus.Server.OpenApi;

/// <summary>Each operation's security requirement and response headers, from its endpoint metadata.</summary>
internal sealed class OperationTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<RequestBodyDocument>().FirstOrDefault() is { } body)
        {
            var name = body.Type.Name;
            context.Document!.AddComponent(name, await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken));
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [body.ContentType] = new() { Schema = new OpenApiSchemaReference(name, context.Document) } },
            };
        }
        if (metadata.Any(m => m is IAuthorizeData))
        {
            // The access policies answer these before the handler runs, so no typed result declares them.
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentTransformer.Bearer, context.Document)] = [] }];
            operation.Responses ??= [];
            operation.Responses.TryAdd("401", Refusal("Unauthorized: no token, or one that is not configured", context.Document));
            operation.Responses.TryAdd("403", Refusal("Forbidden: the token does not grant this route (or this target)", context.Document));
        }

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
    }

    private static OpenApiResponse Refusal(string description, OpenApiDocument? document) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("HttpValidationProblemDetails", document) },
        },
    };

    private static void Add(OpenApiResponse response, string name, string description, JsonSchemaType type = JsonSchemaType.String)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader { Description = description, Required = true, Schema = new OpenApiSchema { Type = type } };
    }
}
