using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace GitOpsStatus.Server.Tests;

public class ShutdownTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("gitops-status-shutdown-").FullName;

    public void Dispose()
    {
        Directory.Delete(_dataDir, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Sigterm_during_load_keeps_every_acknowledged_report()
    {
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        await using (var server = await ServerProcess.StartAsync(_dataDir))
        {
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            var t = DateTimeOffset.UtcNow.AddMinutes(-1);
            var load = Enumerable.Range(0, 8).Select(async worker =>
            {
                for (var i = 0; i < 400; i++)
                {
                    var name = $"w{worker}-{i}";
                    try
                    {
                        var response = await client.PostAsync("/api/status",
                            new StringContent(Reports.Synced("shutdown", name, t), Encoding.UTF8, "application/json"));
                        if (response.StatusCode == HttpStatusCode.OK)
                            acknowledged.Add(name);
                    }
                    catch (HttpRequestException)
                    {
                        return; // the server has stopped listening
                    }
                }
            }).ToList();
            while (acknowledged.Count < 200)
                await Task.Delay(5);

            Assert.Equal(0, await server.TerminateAsync());
            await Task.WhenAll(load);
        }

        await using var restarted = await ServerProcess.StartAsync(_dataDir);
        using var reader = new HttpClient { BaseAddress = restarted.BaseAddress };
        var stored = (await reader.GetFromJsonAsync<JsonElement>("/status.json"))
            .EnumerateArray().Select(r => r.GetProperty("server").GetString()).ToHashSet();
        Assert.True(acknowledged.Count >= 200);
        Assert.All(acknowledged, name => Assert.Contains(name, stored));
    }
}
