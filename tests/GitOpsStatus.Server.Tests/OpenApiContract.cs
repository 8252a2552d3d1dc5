using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// The served <c>/openapi/v1.json</c> as a client reads it: <see cref="CheckAsync"/> finds the operation a real
/// response answered, and fails unless its status code is documented, its documented headers are present, its
/// content type is documented and its body validates (JsonSchema.Net, formats checked) against the documented schema.
/// Object schemas are closed for the check, so a field the document does not name fails too (problem details,
/// which RFC 9457 lets carry extensions, stay open).
/// </summary>
public sealed class OpenApiContract
{
    private static readonly string[] OpenSchemas = ["ProblemDetails", "HttpValidationProblemDetails"];
    private readonly JsonObject _document;
    private readonly JsonObject _defs;
    private readonly List<(Regex Path, string Template)> _paths;

    /// <summary>Every (method, template, status) a check saw, for tests that prove each documented one was exercised.</summary>
    public HashSet<string> Seen { get; } = [];

    public string Json { get; }

    private OpenApiContract(string json)
    {
        Json = json;
        _document = JsonNode.Parse(json)!.AsObject();
        var defs = JsonNode.Parse(json.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))!["components"]!["schemas"]!.AsObject();
        foreach (var (name, schema) in defs)
        {
            if (!OpenSchemas.Contains(name) && schema is JsonObject { } obj && obj.ContainsKey("properties"))
                obj["additionalProperties"] = false;
        }
        _defs = defs;
        _paths = [.. _document["paths"]!.AsObject().Select(p => (Template(p.Key), p.Key))];
    }

    public static async Task<OpenApiContract> LoadAsync(HttpClient client, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v1.json");
        if (token is not null)
            request.Headers.Authorization = new("Bearer", token);
        using var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"GET /openapi/v1.json: {(int)response.StatusCode}");
        return new OpenApiContract(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every documented (method, template, status).</summary>
    public IEnumerable<string> Documented() =>
        from path in _document["paths"]!.AsObject()
        from operation in path.Value!.AsObject()
        from status in operation.Value!["responses"]!.AsObject()
        select Key(operation.Key, path.Key, status.Key);

    public JsonObject Operation(string method, string template) => _document["paths"]![template]![method.ToLowerInvariant()]!.AsObject();

    public async Task CheckAsync(HttpResponseMessage response)
    {
        var request = response.RequestMessage!;
        var method = request.Method.Method.ToLowerInvariant();
        var path = request.RequestUri!.AbsolutePath;
        var template = _paths.FirstOrDefault(p => p.Path.IsMatch(path)).Template;
        Assert.True(template is not null, $"{method} {path}: no path of the document matches");
        var operation = _document["paths"]![template]![method];
        Assert.True(operation is not null, $"{method} {template}: not in the document");
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var documented = operation["responses"]![status];
        Assert.True(documented is not null, $"{method} {template} answered {status}, which the document does not list ({await response.Content.ReadAsStringAsync()})");
        Seen.Add(Key(method, template, status));

        foreach (var (name, header) in documented["headers"]?.AsObject() ?? [])
        {
            if (header!["required"]?.GetValue<bool>() != true)
                continue;
            var present = response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values);
            Assert.True(present, $"{method} {template} {status}: the documented header {name} is missing");
            if (header["schema"]?["type"]?.GetValue<string>() == "integer")
                Assert.True(long.TryParse(values!.Single(), out _), $"{method} {template} {status}: {name} \"{values!.Single()}\" is not an integer");
        }

        var body = await response.Content.ReadAsStringAsync();
        var content = documented["content"]?.AsObject();
        if (content is null)
        {
            Assert.True(body.Length == 0, $"{method} {template} {status}: a body the document does not describe: {body}");
            return;
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var match = content.FirstOrDefault(c => c.Key.Split(';')[0].Trim().Equals(mediaType, StringComparison.OrdinalIgnoreCase));
        Assert.True(match.Value is not null, $"{method} {template} {status}: Content-Type {mediaType} is not one of {string.Join(", ", content.Select(c => c.Key))}");
        var instance = mediaType!.EndsWith("json", StringComparison.Ordinal) ? JsonDocument.Parse(body).RootElement : JsonSerializer.SerializeToElement(body);
        var errors = Validate(match.Value!["schema"]!, instance);
        Assert.True(errors.Count == 0, $"{method} {template} {status}: the body does not match the document:\n{string.Join('\n', errors)}\n{Shorten(body)}");
    }

    private List<string> Validate(JsonNode responseSchema, JsonElement instance)
    {
        var schema = JsonNode.Parse(responseSchema.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal))!.AsObject();
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        schema["$defs"] = _defs.DeepClone();
        var built = JsonSchema.Build(JsonSerializer.SerializeToElement(schema), new BuildOptions { SchemaRegistry = new SchemaRegistry() },
            new Uri($"urn:openapi:{Guid.NewGuid():N}"));
        var results = built.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        return results.IsValid
            ? []
            : [.. (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))];
    }

    private static string Key(string method, string template, string status) => $"{method.ToUpperInvariant()} {template} {status}";

    /// <summary>"/api/targets/{server}/{repo}" → a regex; the last parameter is the catch-all (it may hold '/').</summary>
    private static Regex Template(string template)
    {
        var parts = Regex.Split(template, @"(\{[^}]+\})");
        var last = Array.FindLastIndex(parts, p => p.StartsWith('{'));
        var pattern = string.Concat(parts.Select((p, i) => p.StartsWith('{') ? (i == last ? "(.+)" : "([^/]+)") : Regex.Escape(p)));
        return new Regex($"^{pattern}$");
    }

    private static string Shorten(string body) => body.Length <= 2000 ? body : body[..2000] + "…";
}
