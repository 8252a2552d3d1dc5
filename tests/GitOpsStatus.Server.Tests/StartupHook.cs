using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

/// <summary>
/// Loaded into the server's process by <c>DOTNET_STARTUP_HOOKS</c> (<see cref="GitOpsStatus.Server.Tests.Reliability.ExitCodeTests"/> only): adds a background
/// service that throws, through the hosting event "HostBuilding" that <c>WebApplicationFactory</c> uses the same way.
/// </summary>
#pragma warning disable CA1050 // The runtime looks for a type named StartupHook outside any namespace.
internal static class StartupHook
#pragma warning restore CA1050
{
    public const string Fault = "injected fatal fault in a background service";

    public static void Initialize() => DiagnosticListener.AllListeners.Subscribe(new Listeners());

    private sealed class Listeners : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "Microsoft.Extensions.Hosting")
                listener.Subscribe(this);
        }

        public void OnNext(KeyValuePair<string, object?> hostEvent)
        {
            if (hostEvent is { Key: "HostBuilding", Value: IHostBuilder builder })
                builder.ConfigureServices(services => services.AddHostedService<Failing>());
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    private sealed class Failing : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            throw new InvalidOperationException(Fault);
        }
    }
}
