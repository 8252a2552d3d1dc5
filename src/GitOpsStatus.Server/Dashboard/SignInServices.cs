using GitOpsStatus.Server.Settings;
using Microsoft.AspNetCore.HttpOverrides;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>What the sign-in forms rely on: the framework's antiforgery, and the forwarded scheme from trusted proxies only.</summary>
public static class SignInServices
{
    public static IServiceCollection AddSignIn(this IServiceCollection services)
    {
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "gitops_antiforgery";
            antiforgery.FormFieldName = LoginPage.FormFieldName;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.SuppressXFrameOptionsHeader = true; // the pages send DENY themselves
        });
        // Behind a TLS-terminating proxy the request arrives as http: its X-Forwarded-Proto makes IsHttps (and so the
        // cookies' Secure flag) true, but only from GITOPS_TRUSTED_PROXIES; the framework's loopback default is cleared.
        services.AddOptions<ForwardedHeadersOptions>().Configure<ServerOptions>((forwarded, options) =>
        {
            // With no known proxy at all the middleware would believe every client: then it reads no header.
            forwarded.ForwardedHeaders = options.TrustedProxies.Count > 0 ? ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in options.TrustedProxies)
                forwarded.KnownIPNetworks.Add(network);
        });
        return services;
    }
}
