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
        // Static, with the response as state: no closure allocated per request.
        context.Response.OnStarting(static state =>
        {
            Apply(((HttpResponse)state).Headers);
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });

    private static void Apply(IHeaderDictionary headers)
    {
        headers.XContentTypeOptions = "nosniff";
        if (string.IsNullOrEmpty(headers.XFrameOptions))
            headers.XFrameOptions = "DENY";
        if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
