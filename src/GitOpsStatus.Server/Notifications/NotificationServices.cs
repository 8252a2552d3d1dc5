namespace GitOpsStatus.Server.Notifications;

public static class NotificationServices
{
    /// <summary><c>gitops-status/&lt;version&gt;</c> on every outgoing request, so a receiver's logs say who called.</summary>
    public static readonly System.Net.Http.Headers.ProductInfoHeaderValue UserAgent =
        new("gitops-status", typeof(NotificationServices).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");

    /// <summary>The stale sweep (always: it also writes STALE into history) and the webhook dispatcher (idle without URLs).</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        // The factory's own loggers write each request's full URL at Information, and a webhook's path holds its secret
        // (Slack's /services/T…/B…/…): they are removed; the dispatcher logs failures with the URL redacted.
        services.AddHttpClient(WebhookDispatcher.ClientName, client =>
        {
            client.Timeout = TimeSpan.FromSeconds(10);
            client.DefaultRequestHeaders.UserAgent.Add(UserAgent);
        }).RemoveAllLoggers();
        services.AddSingleton<StaleSweep>();
        services.AddHostedService(s => s.GetRequiredService<StaleSweep>());
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
