namespace GitOpsStatus.Server.Security;

/// <summary>
/// Headers every response carries: no content-type sniffing, no framing, and a deny-all content
/// security policy for anything that is not a page (JSON, metrics, problems). The dashboard sets its
/// own, looser policy for its pages; this only fills in what a response has not set.
/// </summary>
public static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (string.IsNullOrEmpty(headers.XFrameOptions))
                headers.XFrameOptions = "DENY";
            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
                headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        });
        return next(context);
    });
}
