using GitOpsStatus.Server.Settings;
using Microsoft.AspNetCore.HttpLogging;

namespace GitOpsStatus.Server.Logging;

/// <summary>
/// <c>GITOPS_HTTP_LOGGING</c>: one line per request from ASP.NET Core's HTTP logging (method, path, query, status,
/// duration; no headers, so no token), at Information under <c>Microsoft.AspNetCore.HttpLogging</c>. Off by default.
/// </summary>
public static class RequestLogging
{
    public static IServiceCollection AddRequestLogging(this IServiceCollection services) =>
        services.AddHttpLogging(logging =>
        {
            logging.LoggingFields = HttpLoggingFields.RequestMethod | HttpLoggingFields.RequestPath | HttpLoggingFields.RequestQuery
                | HttpLoggingFields.ResponseStatusCode | HttpLoggingFields.Duration;
            logging.CombineLogs = true;
        });

    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        if (app.Services.GetRequiredService<ServerOptions>().HttpLogging)
            app.UseHttpLogging();
        return app;
    }
}
