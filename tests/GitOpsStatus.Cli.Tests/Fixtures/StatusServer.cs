using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary>The project's own status server (<c>src/GitOpsStatus.Server</c>) on Kestrel, a free loopback port and its own SQLite directory.</summary>
public sealed class StatusServer : IDisposable
{
    private readonly WebApplicationFactory<global::Program> factory;
    private readonly HttpClient client;

    public string DataDir { get; } = Directory.CreateTempSubdirectory("gitops-status-server-").FullName;
    public string Url { get; }

    public StatusServer(IReadOnlyDictionary<string, string>? settings = null)
    {
        factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("GITOPS_DATA_DIR", DataDir)
                // Without urls the server's own default (localhost:8080) is bound too: two fixtures at once would collide there.
                .UseSetting("urls", "http://127.0.0.1:0");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
                web.UseSetting(key, value);
        });
        factory.UseKestrel(0);
        factory.StartServer();
        client = factory.CreateClient();
        Url = client.BaseAddress!.ToString().TrimEnd('/');
    }

    /// <summary>The rows of <c>GET /status.json</c>, keyed by server name.</summary>
    public async Task<Dictionary<string, JsonElement>> TargetsAsync()
    {
        var rows = await client.GetFromJsonAsync<JsonElement[]>("/status.json", TestContext.Current.CancellationToken);
        return rows!.ToDictionary(r => r.GetProperty("server").GetString()!);
    }

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
