using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server;
using GitOpsStatus.Server.Access;
using GitOpsStatus.Server.Acknowledgements;
using GitOpsStatus.Server.Api;
using GitOpsStatus.Server.Dashboard;
using GitOpsStatus.Server.Health;
using GitOpsStatus.Server.History;
using GitOpsStatus.Server.Ingestion;
using GitOpsStatus.Server.Logging;
using GitOpsStatus.Server.Metrics;
using GitOpsStatus.Server.Notifications;
using GitOpsStatus.Server.OpenApi;
using GitOpsStatus.Server.Problems;
using GitOpsStatus.Server.Security;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Status;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Writing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// appsettings.json is found beside the binary whatever the working directory (GITOPS_DATA_DIR stays relative to it).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddCommandLine(args, ServerOptions.Flags);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
    builder.WebHost.UseUrls(ServerOptions.DefaultUrls);
if (!builder.Configuration.ReadSettings())
    return 1; // a bad setting: its sentence is printed

builder.Services.AddSingleton(services => ServerOptions.From(services.GetRequiredService<IConfiguration>()));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddStatusStore();
builder.Services.AddSingleton<GroupCommitWriter>();
builder.Services.AddAccessControl();
builder.Services.AddSignIn();
builder.Services.AddSingleton<ServerMetrics>();
builder.Services.AddHttpMetrics();
builder.Services.AddAbuseLimits();
builder.Services.AddNotifications();
builder.Services.AddHistoryPruning();
builder.Services.AddHealth();
builder.Services.AddProblems();
builder.Services.AddApiDocument();
builder.Services.AddRequestLogging();
builder.Services.ConfigureHttpJsonOptions(json =>
{
    json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    json.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJson.Default);
    json.SerializerOptions.TypeInfoResolverChain.Insert(1, ReportJson.Default);
});
builder.Services.AddOptions<KestrelServerOptions>()
    .Configure<ServerOptions>((kestrel, options) => kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes + 1);

var app = builder.Build();
app.UseForwardedHeaders();
app.UseSecurityHeaders();
app.UseHttpMetrics();
app.UseRequestLogging();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestTimeouts();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealth();
var reads = app.MapGroup("").RequireAuthorization(AccessPolicies.Read).RequireRateLimiting(AbuseLimits.ReadConcurrency);
reads.MapOpenApi("/openapi/{documentName}.json");
reads.MapStatusJson();
reads.MapTargetsApi();
reads.MapAcknowledgementReads();
reads.MapMetrics();
app.MapGroup("").RequireAuthorization(AccessPolicies.Write).RequireWriteRateLimit().MapIngestion();
app.MapGroup("").RequireAuthorization(AccessPolicies.Acknowledge).RequireWriteRateLimit().MapAcknowledgementWrites();
app.MapGroup("").RequireAuthorization(AccessPolicies.Admin).MapTargetsAdmin();
app.MapDashboard();

// Open the store (migrating its schema) and start the writer before taking traffic.
if (!app.OpenStore())
{
    await app.DisposeAsync(); // flushes the console logger, so the reason is printed
    return 1;
}
app.LogAccessMode();
// A background service that failed stopped the host (BackgroundServiceExceptionBehavior.StopHost, the default), which
// exits 0 by itself: exit 1 then, so a supervisor (systemd Restart=on-failure, Kubernetes) restarts the server.
var background = app.Services.GetServices<IHostedService>().OfType<BackgroundService>().ToList();
app.Run();
return background.Any(s => s.ExecuteTask is { IsFaulted: true }) ? 1 : 0;

/// <summary>The app's entry point, public for <c>WebApplicationFactory</c>.</summary>
public partial class Program;
