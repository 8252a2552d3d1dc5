namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// The built-in dashboard: server-rendered HTML pages (no SPA, no build step, nothing from a CDN),
/// with their stylesheet and script served by the app itself.
/// </summary>
public static class DashboardApi
{
    /// <summary>Set in <see cref="HttpContext.Items"/> when the visitor signed in with the read token.</summary>
    internal const string SignedInKey = "dashboard.signed-in";

    /// <summary>
    /// No inline script or style anywhere, so the policy can forbid both: even if an encoding bug let
    /// markup through, the browser would not run it.
    /// </summary>
    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapDashboardAssets();
        var pages = app.MapGroup("").ExcludeFromDescription().AddEndpointFilter(async (context, next) =>
        {
            StrictHeaders(context.HttpContext.Response.Headers);
            return await next(context);
        });
        pages.MapGet("/", ListPage.Get).WithName("Dashboard");
        return app;
    }

    internal static void StrictHeaders(IHeaderDictionary headers)
    {
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
    }
}
