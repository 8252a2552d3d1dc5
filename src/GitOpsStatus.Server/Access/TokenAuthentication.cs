using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GitOpsStatus.Server.Access;

/// <summary>
/// Who a request is: the configured token it presents, as claims of what that token grants (<see cref="Rights"/>).
/// A credential is the <c>Authorization: Bearer</c> token or, under <see cref="BearerOrCookie"/> (reads and deletes,
/// for the dashboard's browsers), the same token in the <see cref="CookieName"/> cookie. No credential: no result;
/// a credential that is no configured token: failure (401 with <c>error="invalid_token"</c>).
/// </summary>
public sealed class TokenAuthentication(IOptionsMonitor<TokenOptions> options, ILoggerFactory logger, UrlEncoder encoder, AccessTokens tokens)
    : AuthenticationHandler<TokenOptions>(options, logger, encoder)
{
    /// <summary>The header only: reports, so that a browser's cookie can never send one.</summary>
    public const string Bearer = "Bearer";

    /// <summary>The header, else the cookie.</summary>
    public const string BearerOrCookie = "BearerOrCookie";

    /// <summary>The cookie a browser may carry the read (or admin) token in, instead of the header.</summary>
    public const string CookieName = "gitops_status_token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Options.AcceptCookie ? Credential(Context) : BearerToken(Context);
        if (presented is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        var claims = tokens.Grants(presented);
        if (claims.Count == 0)
            return Task.FromResult(AuthenticateResult.Fail("The token is not a configured token."));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers[HeaderNames.WWWAuthenticate] = result.Failure is null
            ? "Bearer realm=\"gitops-status\""
            : "Bearer realm=\"gitops-status\", error=\"invalid_token\"";
    }

    /// <summary>The bearer token, else the cookie's token; null when neither is sent.</summary>
    internal static string? Credential(HttpContext http) =>
        BearerToken(http) ?? (http.Request.Cookies.TryGetValue(CookieName, out var cookie) && cookie.Length > 0 ? cookie : null);

    /// <summary>The bearer token; "" (no token we know) for any other Authorization header; null without one.</summary>
    private static string? BearerToken(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) && header.Length > Scheme.Length
            ? header[Scheme.Length..].Trim()
            : header.Length > 0 ? "" : null;
    }
}

/// <summary>A token scheme's options: whether it also takes the token from the cookie.</summary>
public sealed class TokenOptions : AuthenticationSchemeOptions
{
    public bool AcceptCookie { get; set; }
}

/// <summary>The claims a token carries: <see cref="Read"/>, <see cref="Admin"/>, and one <see cref="Write"/> per grant (<c>repo-glob@server-glob</c>).</summary>
public static class Rights
{
    public const string Read = "gitops:read";
    public const string Admin = "gitops:admin";
    public const string Write = "gitops:write";
}
