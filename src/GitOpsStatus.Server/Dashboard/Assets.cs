using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// The dashboard's CSS, script and icon, embedded in the assembly: no CDN, no build step, nothing
/// to copy beside the binary, and nothing written to disk (read-only root filesystem). URLs carry a
/// content hash so browsers may cache them for a year and still pick up a new release at once.
/// </summary>
internal static class Assets
{
    public static readonly Asset Css = Load("dashboard.css", "text/css; charset=utf-8");
    public static readonly Asset Script = Load("dashboard.js", "text/javascript; charset=utf-8");
    public static readonly Asset Icon = Load("favicon.svg", "image/svg+xml");

    private static readonly Dictionary<string, Asset> ByName = new[] { Css, Script, Icon }.ToDictionary(a => a.Name);

    public static IEndpointRouteBuilder MapDashboardAssets(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/assets/{name}", ["GET", "HEAD"], Get).ExcludeFromDescription();
        return app;
    }

    private static IResult Get(HttpContext context, string name, string? v)
    {
        if (!ByName.TryGetValue(name, out var asset))
            return TypedResults.NotFound();
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = v == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
        var etag = new EntityTagHeaderValue($"\"{asset.Version}\"");
        context.Response.GetTypedHeaders().ETag = etag;
        if (context.Request.GetTypedHeaders().IfNoneMatch.Any(t => t.Compare(etag, useStrongComparison: true)))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(Assets).Assembly.GetManifestResourceStream("dashboard/" + name)
            ?? throw new InvalidOperationException($"The embedded dashboard asset {name} is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        var version = Convert.ToHexStringLower(SHA256.HashData(bytes)[..6]);
        return new Asset(name, contentType, bytes, version);
    }
}

internal sealed record Asset(string Name, string ContentType, byte[] Bytes, string Version)
{
    public string Url => $"/assets/{Name}?v={Version}";
}
