using GitOpsStatus.Server.Problems;
using Microsoft.Net.Http.Headers;

namespace GitOpsStatus.Server.Access;

/// <summary>
/// The one place access is checked: endpoint filters applied to route groups in Program.cs.
/// A credential is the <c>Authorization: Bearer</c> token or, for browsers (the dashboard), the
/// same token in the <see cref="CookieName"/> cookie. Missing or unknown: 401 with
/// <c>WWW-Authenticate: Bearer</c>; a valid token without the right: 403. Both are problem details.
/// </summary>
public static class AccessFilters
{
    /// <summary>The cookie a browser may carry the read (or admin) token in, instead of the header.</summary>
    public const string CookieName = "gitops_status_token";

    /// <summary>Every endpoint of the group needs the read token when <c>GITOPS_READ_TOKEN</c> is set.</summary>
    public static TBuilder RequireReadAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var verdict = http.RequestServices.GetRequiredService<AccessTokens>().CheckRead(Credential(http));
            return verdict == Verdict.Allowed ? await next(context) : Refuse(http, verdict, "read", "GITOPS_READ_TOKEN");
        });

    /// <summary>Every endpoint of the group needs the admin token (unless the server is fully open).</summary>
    public static TBuilder RequireAdminAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var verdict = http.RequestServices.GetRequiredService<AccessTokens>().CheckAdmin(Credential(http));
            return verdict == Verdict.Allowed ? await next(context) : Refuse(http, verdict, "admin", "GITOPS_ADMIN_TOKEN");
        });

    /// <summary>
    /// A 401/403 when <c>GITOPS_WRITE_TOKENS</c> is set and the request has no write token; null when it may write.
    /// The token's scope is left on the request; the handler checks it with <see cref="RefuseOutOfScope"/>
    /// once it has read which target the body is for.
    /// </summary>
    public static IResult? RefuseWrite(HttpContext http, AccessTokens tokens)
    {
        var (verdict, scope) = tokens.CheckWrite(Bearer(http));
        if (verdict != Verdict.Allowed)
            return Refuse(http, verdict, "write", "GITOPS_WRITE_TOKENS");
        if (scope is not null)
            http.Features.Set(scope);
        return null;
    }

    /// <summary>A 403 when the request's write token may not report for this target; null when it may.</summary>
    public static IResult? RefuseOutOfScope(HttpContext http, string repo, string server)
    {
        var scope = http.Features.Get<WriteScope>();
        if (scope is null || scope.Allows(repo, server))
            return null;
        var field = scope.AllowsRepo(repo) ? "server" : "repo";
        return Problem.Rejected(403, "Token out of scope", field,
            $"this write token may report only for {scope.Describe()} (repo@server globs), not for \"{repo}\"@\"{server}\"");
    }

    private static IResult Refuse(HttpContext http, Verdict verdict, string right, string setting)
    {
        if (verdict == Verdict.OutOfScope)
            return Problem.Rejected(403, "Forbidden", "Authorization", $"the token is valid but does not grant {right} access; use the token set in {setting}");
        http.Response.Headers[HeaderNames.WWWAuthenticate] = verdict == Verdict.Missing
            ? "Bearer realm=\"gitops-status\""
            : "Bearer realm=\"gitops-status\", error=\"invalid_token\"";
        return Problem.Rejected(401, "Unauthorized", "Authorization", verdict == Verdict.Missing
            ? $"no token was sent; send \"Authorization: Bearer <token>\" with a token from {setting}"
            : $"the bearer token is not valid for {right} access; use a token from {setting}");
    }

    internal static string? Credential(HttpContext http) =>
        Bearer(http) ?? (http.Request.Cookies.TryGetValue(CookieName, out var cookie) && cookie.Length > 0 ? cookie : null);

    private static string? Bearer(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && header.Length > Scheme.Length
            ? header[Scheme.Length..].Trim()
            : header.Length > 0 ? "" : null;
    }
}
