using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Writing;

namespace GitOpsStatus.Server.Notifications;

/// <summary>
/// Delivers the outbox: claims due rows (through the single writer, with a lease), POSTs each to its
/// URL, and records the outcome. A failure (non-2xx, timeout, refused connection) is retried with
/// exponential backoff from <see cref="FirstRetry"/> up to <see cref="MaxAttempts"/> tries. Runs beside
/// ingestion, never inside it: a slow or dead webhook never slows a report.
/// Rows for one URL go out in order; different URLs are served in parallel.
/// </summary>
public sealed partial class WebhookDispatcher(
    GroupCommitWriter writer, IHttpClientFactory clients, ServerOptions options, TimeProvider clock, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string ClientName = "webhooks";
    public const int MaxAttempts = 10;
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.WebhookUrls.Count == 0)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            List<OutboxItem> claimed;
            try
            {
                claimed = await writer.RunAsync(store => store.ClaimNotifications(clock.GetUtcNow(), Lease, 50));
            }
            catch (ShuttingDownException)
            {
                return;
            }
            catch (System.Data.Common.DbException)
            {
                claimed = [];
            }
            if (claimed.Count > 0)
            {
                await Task.WhenAll(claimed.GroupBy(i => i.Url).Select(group => DeliverInOrder(group, stoppingToken)));
                continue;
            }
            try
            {
                await Task.Delay(Poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task DeliverInOrder(IEnumerable<OutboxItem> items, CancellationToken stoppingToken)
    {
        foreach (var item in items)
        {
            var error = await Send(item, stoppingToken);
            var now = clock.GetUtcNow();
            DateTimeOffset? retryAt = error is not null && item.Attempt < MaxAttempts ? now + Backoff(item.Attempt) : null;
            if (error is not null)
                DeliveryFailed(logger, item.Transition.Repo, item.Transition.Server, Host(item.Url), item.Attempt, error, retryAt is null ? "giving up" : "will retry");
            try
            {
                await writer.RunAsync(store =>
                {
                    store.FinishNotification(item.Id, now, error is null, retryAt, error);
                    return true;
                });
            }
            catch (ShuttingDownException)
            {
                return; // The lease runs out and the row comes due again after a restart.
            }
        }
    }

    /// <summary>Null when delivered; otherwise why not (never the URL, which may hold a secret).</summary>
    private async Task<string?> Send(OutboxItem item, CancellationToken stoppingToken)
    {
        try
        {
            var (url, body) = WebhookBody.For(item.Url, item.Transition, options);
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var response = await clients.CreateClient(ClientName).PostAsync(url, content, stoppingToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (HttpRequestException e)
        {
            return e.HttpRequestError.ToString();
        }
        catch (TaskCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return "timed out";
        }
        catch (UriFormatException)
        {
            return "not a valid URL";
        }
    }

    /// <summary>5 s, 10 s, 20 s, … capped at 10 min.</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxRetry.Ticks, FirstRetry.Ticks << Math.Min(attempt - 1, 20)));

    private static string Host(string url) => Uri.TryCreate(url.Replace(WebhookBody.SlackPrefix, "", StringComparison.OrdinalIgnoreCase), UriKind.Absolute, out var uri) ? uri.Host : "(invalid URL)";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {Repo}@{Server} to host {Host} failed on attempt {Attempt}: {Error}; {Next}")]
    private static partial void DeliveryFailed(ILogger logger, string repo, string server, string host, int attempt, string error, string next);
}
