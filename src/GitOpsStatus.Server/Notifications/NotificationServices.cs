namespace GitOpsStatus.Server.Notifications;

public static class NotificationServices
{
    /// <summary>The stale sweep (always: it also writes STALE into history) and the webhook dispatcher (idle without URLs).</summary>
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddHttpClient(WebhookDispatcher.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<StaleSweep>();
        services.AddHostedService(s => s.GetRequiredService<StaleSweep>());
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
