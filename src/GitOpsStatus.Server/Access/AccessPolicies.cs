using System.Security.Claims;
using GitOpsStatus.Server.Metrics;
using GitOpsStatus.Server.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GitOpsStatus.Server.Access;

/// <summary>
/// Who may do what, as authorization policies over <see cref="TokenAuthentication"/>: <see cref="Read"/> needs the read
/// or admin token once <c>GITOPS_READ_TOKEN</c> is set; <see cref="Write"/> a write token once <c>GITOPS_WRITE_TOKENS</c>
/// is set (and <see cref="Target"/>, once the body is read, one whose globs cover the report's repo and server);
/// <see cref="Admin"/> the admin token unless no token at all is set. Missing or unknown token: 401 with
/// <c>WWW-Authenticate: Bearer</c>; a valid token without the right: 403. Both are problem details naming the field.
/// </summary>
public static class AccessPolicies
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    /// <summary>Acknowledging drift: a write token (its scope checked against the target, as for reports) or the admin token; never a read token.</summary>
    public const string Acknowledge = "acknowledge";

    /// <summary>Resource-based: may the user report for this <see cref="ReportTarget"/>?</summary>
    public const string Target = "write-target";

    public static IServiceCollection AddAccessControl(this IServiceCollection services)
    {
        services.AddSingleton<AccessTokens>();
        services.AddAuthentication()
            .AddScheme<TokenOptions, TokenAuthentication>(TokenAuthentication.Bearer, null)
            .AddScheme<TokenOptions, TokenAuthentication>(TokenAuthentication.BearerOrCookie, o => o.AcceptCookie = true);
        services.AddAuthorization();
        // A policy authenticates only when tokens of its kind are configured: open access costs no token check.
        services.AddOptions<AuthorizationOptions>().Configure<AccessTokens>((authorization, tokens) =>
        {
            authorization.AddPolicy(Read, Policy(tokens.ReadsGuarded, TokenAuthentication.BearerOrCookie, new AccessRequirement("read", "GITOPS_READ_TOKEN")));
            authorization.AddPolicy(Write, Policy(tokens.WritesGuarded, TokenAuthentication.Bearer, new AccessRequirement("write", "GITOPS_WRITE_TOKENS")));
            authorization.AddPolicy(Admin, Policy(!tokens.IsOpen, TokenAuthentication.BearerOrCookie, new AccessRequirement("admin", "GITOPS_ADMIN_TOKEN")));
            authorization.AddPolicy(Acknowledge, Policy(tokens.WritesGuarded, TokenAuthentication.BearerOrCookie,
                new AccessRequirement("acknowledge", "GITOPS_WRITE_TOKENS (scoped to the target) or GITOPS_ADMIN_TOKEN")));
            authorization.AddPolicy(Target, policy => policy.AddRequirements(new TargetRequirement()));
        });
        services.AddSingleton<IAuthorizationHandler, AccessHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, AccessRefusal>();
        return services;
    }

    private static Action<AuthorizationPolicyBuilder> Policy(bool guarded, string scheme, AccessRequirement requirement) => policy =>
    {
        if (guarded)
            policy.AddAuthenticationSchemes(scheme);
        policy.AddRequirements(requirement);
    };

    /// <summary>A 403 naming the field (repo or server) the write token's globs do not cover.</summary>
    internal static ProblemHttpResult OutOfScope(ClaimsPrincipal user, ReportTarget target)
    {
        var grants = user.FindAll(Rights.Write).Select(c => c.Value).ToList();
        var field = grants.Any(g => Glob.IsMatch(g[..g.LastIndexOf('@')], target.Repo)) ? "server" : "repo";
        return Problem.Rejected(403, "Token out of scope", field,
            $"this write token may report only for {string.Join(", ", grants)} (repo@server globs), not for \"{target.Repo}\"@\"{target.Server}\"");
    }
}

/// <summary>The target a report is for, the resource of <see cref="AccessPolicies.Target"/>.</summary>
public sealed record ReportTarget(string Repo, string Server);

/// <summary>A right (read, write, admin) and the setting that holds its tokens, for the refusal's message.</summary>
internal sealed record AccessRequirement(string Right, string Setting) : IAuthorizationRequirement;

internal sealed class TargetRequirement : IAuthorizationRequirement;

/// <summary>Grants each requirement when its tokens are not configured (that access is open) or the user holds the right.</summary>
internal sealed class AccessHandler(AccessTokens tokens) : IAuthorizationHandler
{
    public Task HandleAsync(AuthorizationHandlerContext context)
    {
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            if (Allows(context.User, requirement, context.Resource))
                context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }

    private bool Allows(ClaimsPrincipal user, IAuthorizationRequirement requirement, object? resource) => requirement switch
    {
        AccessRequirement { Right: "read" } => !tokens.ReadsGuarded || user.HasClaim(c => c.Type is Rights.Read or Rights.Admin),
        AccessRequirement { Right: "write" } => !tokens.WritesGuarded || user.HasClaim(c => c.Type == Rights.Write),
        AccessRequirement { Right: "acknowledge" } => !tokens.WritesGuarded || user.HasClaim(c => c.Type is Rights.Write or Rights.Admin),
        AccessRequirement { Right: "admin" } => tokens.IsOpen || user.HasClaim(c => c.Type == Rights.Admin),
        TargetRequirement when resource is ReportTarget target => !tokens.WritesGuarded || user.FindAll(Rights.Write).Any(c =>
            Glob.IsMatch(c.Value[..c.Value.LastIndexOf('@')], target.Repo) && Glob.IsMatch(c.Value[(c.Value.LastIndexOf('@') + 1)..], target.Server)),
        _ => false,
    };
}

/// <summary>Answers a refused request with a problem (the framework's handler would send an empty 401 or 403); refused reports are counted.</summary>
internal sealed class AccessRefusal(ServerMetrics metrics) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _framework = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded || policy.Requirements.OfType<AccessRequirement>().FirstOrDefault() is not { } required)
        {
            await _framework.HandleAsync(next, context, policy, result);
            return;
        }
        var (right, setting) = (required.Right, required.Setting);
        ProblemHttpResult problem;
        if (result.Challenged)
        {
            var scheme = policy.AuthenticationSchemes[0];
            await context.ChallengeAsync(scheme);
            var presented = (await context.AuthenticateAsync(scheme)).Failure is not null;
            problem = Problem.Rejected(401, "Unauthorized", "Authorization", presented
                ? $"the bearer token is not valid for {right} access; use a token from {setting}"
                : $"no token was sent; send \"Authorization: Bearer <token>\" with a token from {setting}");
        }
        else
        {
            problem = Problem.Rejected(403, "Forbidden", "Authorization", $"the token is valid but does not grant {right} access; use the token set in {setting}");
        }
        if (right == "write")
            metrics.CountRejection(problem.StatusCode);
        await problem.ExecuteAsync(context);
    }
}
