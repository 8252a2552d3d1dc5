using GitOpsStatus.Server.Access;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// The built-in dashboard: server-rendered HTML pages (no SPA, no build step, nothing from a CDN),
/// with their stylesheet and script served by the app itself.
/// </summary>
public static class DashboardApi
{
    /// <summary>Set in <see cref="HttpContext.Items"/> when the visitor signed in with the read token: the sign-out form's antiforgery token.</summary>
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
        pages.MapGet("/login", LoginPage.Get);
        pages.MapPost("/login", LoginPage.Post).WithMetadata(new RequireAntiforgeryTokenAttribute());
        pages.MapPost("/logout", LoginPage.Logout).WithMetadata(new RequireAntiforgeryTokenAttribute());

        var reading = pages.MapGroup("").AddEndpointFilter(async (context, next) =>
            RequireReadOrSignIn(context.HttpContext) ?? await next(context)).RequireRateLimiting(AbuseLimits.ReadConcurrency);
        reading.MapGet("/", ListPage.Get).WithName("Dashboard");
        reading.MapGet("/targets/{server}/{**repo}", TargetPage.Get).WithName("DashboardTarget");
        var acknowledging = pages.MapGroup("").RequireAuthorization(AccessPolicies.Acknowledge).RequireWriteRateLimit()
            .WithMetadata(new RequireAntiforgeryTokenAttribute());
        acknowledging.MapPost("/acknowledge/{server}/{**repo}", AckForm.Acknowledge);
        acknowledging.MapPost("/unacknowledge/{server}/{**repo}", AckForm.Unacknowledge);
        return app;
    }

    /// <summary>
    /// The API's read check (<see cref="TokenAuthentication"/>: bearer header or the token cookie); a browser
    /// without a valid credential is sent to the sign-in form instead of getting a 401 problem.
    /// </summary>
    private static StatusCodeHttpResult? RequireReadOrSignIn(HttpContext http)
    {
        var tokens = http.RequestServices.GetRequiredService<AccessTokens>();
        if (tokens.CheckRead(null) == Verdict.Allowed)
            return null;
        if (tokens.CheckRead(TokenAuthentication.Credential(http)) == Verdict.Allowed)
        {
            http.Items[SignedInKey] = http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(http).RequestToken;
            return null;
        }
        var back = http.Request.Path + http.Request.QueryString;
        http.Response.Headers.Location = "/login?next=" + Uri.EscapeDataString(back);
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
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
