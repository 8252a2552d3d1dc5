using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>
/// The real app on real Kestrel, listening on a free 127.0.0.1 port (Chromium needs a socket), on
/// a real SQLite file in its own temp directory, with a clock the test controls.
/// </summary>
public sealed class LiveServer : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 4, 21, 10, 31, 0, TimeSpan.Zero);

    private readonly WebApplicationFactory<Program> _factory;

    public string DataDir { get; }
    public FakeTimeProvider Clock { get; } = new(Start);
    public Uri BaseAddress { get; }
    public HttpClient Client { get; }

    public LiveServer(Dictionary<string, string>? settings = null)
    {
        DataDir = Directory.CreateTempSubdirectory("gitops-dashboard-test-").FullName;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("urls", "http://127.0.0.1:0");
            web.UseSetting("GITOPS_DATA_DIR", DataDir);
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            web.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
            web.UseSetting("Logging:LogLevel:GitOpsStatus.Server.Access", "Error"); // "no token configured" is expected here
            foreach (var (key, value) in settings ?? [])
                web.UseSetting(key, value);
            web.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
        });
        _factory.UseKestrel();
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.Single());
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public async Task Post(string json)
    {
        using var response = await Client.PostAsync("/api/status", new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/status answered {(int)response.StatusCode}: {body}");
    }

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pool; the OS temp cleaner gets it.
        }
    }
}
