using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// The real app on a real SQLite file in its own temp directory, or (given <c>postgres</c>) on a fresh
/// database of the test run's PostgreSQL cluster, or (given <c>database</c>) on a connection string the
/// test shares between replicas; <c>services</c> changes the app's services after its own (e.g. a store that fails on
/// demand). Dispose stops it (draining the writer) and drops a database it created;
/// <see cref="Restart()"/> starts a new app on the same data.
/// </summary>
public sealed class AppServer : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 4, 21, 10, 31, 0, TimeSpan.Zero);

    private readonly Dictionary<string, string> _settings;
    private readonly Action<IServiceCollection>? _services;
    private WebApplicationFactory<Program> _factory;
    private readonly Postgres.PostgresCluster? _postgres;
    private readonly string? _ownDatabase;

    public string DataDir { get; }
    private readonly bool _ownsDataDir;
    public FakeTimeProvider Clock { get; }

    /// <summary>The PostgreSQL connection string in use; null on SQLite.</summary>
    public string? Database { get; }

    /// <summary>Every log line the app wrote, for tests that check what must never be logged.</summary>
    public LogSink Logs { get; } = new();
    public HttpClient Client { get; private set; }

    /// <summary>The running app's services (its store, background services).</summary>
    public IServiceProvider Services => _factory.Services;

    public AppServer(Dictionary<string, string>? settings = null, string? dataDir = null, FakeTimeProvider? clock = null,
        Postgres.PostgresCluster? postgres = null, string? database = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _postgres = postgres;
        if (postgres is not null && database is null)
            (_ownDatabase, database) = postgres.CreateDatabase();
        Database = database;
        _ownsDataDir = dataDir is null;
        DataDir = dataDir ?? Directory.CreateTempSubdirectory("gitops-status-test-").FullName;
        Clock = clock ?? new FakeTimeProvider(Start);
        _settings = settings ?? [];
        (_factory, Client) = Boot();
    }

    private (WebApplicationFactory<Program>, HttpClient) Boot()
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("GITOPS_DATA_DIR", DataDir);
            if (Database is not null)
                web.UseSetting("GITOPS_DATABASE", Database);
            foreach (var (key, value) in _settings)
                web.UseSetting(key, value);
            web.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Clock);
                _services?.Invoke(services);
            });
            web.ConfigureLogging(logging => logging.AddProvider(Logs));
        });
        return (factory, factory.CreateClient());
    }

    public void Restart() => Restart(() => { });

    /// <summary>Stops the app and starts it again on the same store; <paramref name="whileStopped"/> runs in between (e.g. to edit the database).</summary>
    public void Restart(Action whileStopped)
    {
        Client.Dispose();
        _factory.Dispose();
        whileStopped();
        (_factory, Client) = Boot();
    }

    public Task<HttpResponseMessage> PostJson(string json, string contentType = "application/json") =>
        Client.PostAsync("/api/status", new StringContent(json, Encoding.UTF8, contentType));

    /// <summary>A request with <c>Authorization: Bearer</c> <paramref name="token"/> (none when null).</summary>
    public async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token = null, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Client.SendAsync(request);
    }

    public async Task<JsonElement> GetJson(string path)
    {
        var response = await Client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> StatusJson(string query = "")
    {
        var response = await Client.GetAsync("/status.json" + query);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
        if (_ownDatabase is not null)
            _postgres!.DropDatabase(_ownDatabase);
        if (!_ownsDataDir)
            return;
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

/// <summary>Report JSON builders for tests.</summary>
public static class Reports
{
    public const string SeedSynced = GitOpsStatus.Tests.SeedPayloads.Synced;

    public const string SeedOutOfSync = GitOpsStatus.Tests.SeedPayloads.OutOfSync;

    public static string Drifted(string repo, string server, DateTimeOffset at, int interval, params string[] files) =>
        JsonSerializer.Serialize(new { repo, server, sync_status = "OUT_OF_SYNC", drift_count = files.Length, files = files.Select(name => new { name }), last_check = at.ToString("O"), interval_seconds = interval });

    public static string Synced(string repo, string server, DateTimeOffset at, string? revision = null, int? interval = null) =>
        JsonSerializer.Serialize(new { repo, server, sync_status = "SYNCED", drift_count = 0, files = Array.Empty<object>(), last_check = at.ToString("O"), revision, interval_seconds = interval });

    public static string Drifted(string repo, string server, DateTimeOffset at, params string[] files) =>
        JsonSerializer.Serialize(new { repo, server, sync_status = "OUT_OF_SYNC", drift_count = files.Length, files = files.Select(name => new { name }), last_check = at.ToString("O") });

    private static readonly string[] Parents = ["sudo", "bash", "sshd"];

    /// <summary>An OUT_OF_SYNC report from a degraded realtime agent: one hand edit with who wrote it, one file at another revision.</summary>
    public static string WithOrigin(string repo, string server, DateTimeOffset at, string detection = "degraded") =>
        JsonSerializer.Serialize(new
        {
            repo,
            server,
            sync_status = "OUT_OF_SYNC",
            drift_count = 2,
            last_check = at.ToString("O"),
            detection,
            detection_error = detection == "degraded" ? "inotify watch limit 8192 reached: raise fs.inotify.max_user_watches" : null,
            files = new object[]
            {
                new
                {
                    name = "/etc/nginx/nginx.conf",
                    change = "modified",
                    cause = "edited",
                    changed_by = new { user = "root", uid = 0, login_user = "alice", process = "vim", exe = "/usr/bin/vim.basic", pid = 4242, parents = Parents, at = at.AddSeconds(2).ToString("O") },
                },
                new { name = "/etc/nginx/conf.d/app.conf", change = "modified", cause = "other_revision", matches_revision = "4f2a9c1" },
            },
        });
}
