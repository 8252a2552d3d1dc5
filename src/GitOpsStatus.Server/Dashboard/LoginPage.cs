using GitOpsStatus.Server.Access;
using GitOpsStatus.Server.Settings;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>
/// With <c>GITOPS_READ_TOKEN</c> set, the dashboard asks for it once: a form POSTs it, the server checks it
/// with <see cref="AccessTokens"/> and stores it in an HttpOnly, SameSite=Strict cookie that the same
/// access check then accepts. The token never appears in a URL, and so never in an access log.
/// </summary>
internal static class LoginPage
{
    private const int MaxTokenLength = 4096;

    public static IResult Get(HttpContext context, AccessTokens tokens, ServerOptions options, TimeProvider clock, string? next)
    {
        if (tokens.CheckRead(null) == Verdict.Allowed)
            return TypedResults.Redirect(LocalPath(next));
        return Form(options, clock, next, error: null, StatusCodes.Status200OK);
    }

    public static async Task<IResult> Post(HttpContext context, AccessTokens tokens, ServerOptions options, TimeProvider clock)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        var next = form?["next"].ToString();
        var token = form?["token"].ToString().Trim() ?? "";
        if (token.Length is 0 or > MaxTokenLength || tokens.CheckRead(token) != Verdict.Allowed)
            return Form(options, clock, next, "That token is not valid. Use the value of GITOPS_READ_TOKEN (or the admin token).", StatusCodes.Status401Unauthorized);

        context.Response.Cookies.Append(TokenAuthentication.CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = "/",
            MaxAge = TimeSpan.FromDays(30),
        });
        return SeeOther(context, LocalPath(next));
    }

    public static IResult Logout(HttpContext context)
    {
        context.Response.Cookies.Delete(TokenAuthentication.CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict });
        return SeeOther(context, "/login");
    }

    /// <summary>Where to go after signing in: a path on this server only, never another site.</summary>
    internal static string LocalPath(string? next) =>
        next is { Length: > 0 } && next[0] == '/' && !next.StartsWith("//", StringComparison.Ordinal) && !next.Contains('\\', StringComparison.Ordinal)
            ? next
            : "/";

    private static StatusCodeHttpResult SeeOther(HttpContext context, string location)
    {
        context.Response.Headers.Location = location;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static ContentHttpResult Form(ServerOptions options, TimeProvider clock, string? next, string? error, int status)
    {
        var html = new Html();
        Layout.Open(html, "Sign in", options, clock.GetUtcNow(), refresh: false);
        html.Raw("<h1>Sign in</h1>\n");
        if (error is not null)
            html.Add($"<p class=\"alert\" role=\"alert\">{error}</p>\n");
        html.Add($"""
            <form class="login" method="post" action="/login">
            <p>This server requires its read token to show the dashboard.</p>
            <div class="field"><label for="token">Read token</label><input id="token" name="token" type="password" autocomplete="current-password" required autofocus></div>
            <input type="hidden" name="next" value="{LocalPath(next)}">
            <button type="submit">Sign in</button>
            </form>

            """);
        Layout.Close(html);
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8", statusCode: status);
    }
}
