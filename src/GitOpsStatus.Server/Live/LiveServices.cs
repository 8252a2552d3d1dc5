namespace GitOpsStatus.Server.Live;

public static class LiveServices
{
    /// <summary>The change feed, and the poller that feeds it other replicas' writes (PostgreSQL only).</summary>
    public static IServiceCollection AddLiveUpdates(this IServiceCollection services)
    {
        services.AddSingleton<ChangeFeed>();
        services.AddHostedService<ChangePoller>();
        return services;
    }
}
