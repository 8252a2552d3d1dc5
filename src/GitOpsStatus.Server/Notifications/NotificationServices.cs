namespace GitOpsStatus.Server.Notifications;

public static class NotificationServices
{
    /// <summary>The stale sweep (always: it also writes STALE into history) and the webhook dispatcher (idle without URLs).</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        // The factory's own loggers write each request's full URL at Information, and a webhook's path holds its secret
        // (Slack's /services/T…/B…/…): they are removed; the dispatcher logs failures with the URL redacted.
        services.AddHttpClient(WebhookDispatcher.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        services.AddSingleton<StaleSweep>();
        services.AddHostedService(s => s.GetRequiredService<StaleSweep>());
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
