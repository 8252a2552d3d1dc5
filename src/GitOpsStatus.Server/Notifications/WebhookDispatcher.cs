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
/// <para>Nothing it meets stops it (a locked, full or lost database while claiming or recording, an unexpected
/// exception): each failure is logged once per kind, and the step is retried with backoff up to
/// <see cref="MaxStoreBackoff"/>; a delivery whose outcome cannot be recorded is recorded once the store takes writes
/// again (or, after a restart, sent again when its lease runs out).</para>
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
    private static readonly TimeSpan MaxStoreBackoff = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.WebhookUrls.Count == 0)
            return;
        var claims = new FailureLog(logger, "Claiming webhook notifications");
        var records = new FailureLog(logger, "Recording a webhook delivery");
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = Poll;
            try
            {
                var claimed = await writer.RunAsync(store => store.ClaimNotifications(clock.GetUtcNow(), Lease, 50));
                claims.Succeeded();
                if (claimed.Count > 0)
                {
                    await Task.WhenAll(claimed.GroupBy(i => i.Url).Select(group => DeliverInOrder(group, records, stoppingToken)));
                    continue;
                }
            }
            catch (ShuttingDownException)
            {
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = claims.Failed(e, Poll, MaxStoreBackoff);
            }
            if (!await Sleep(wait, stoppingToken))
                return;
        }
    }

    private async Task DeliverInOrder(IEnumerable<OutboxItem> items, FailureLog records, CancellationToken stoppingToken)
    {
        foreach (var item in items)
        {
            var error = await Send(item, stoppingToken);
            var now = clock.GetUtcNow();
            DateTimeOffset? retryAt = error is not null && item.Attempt < MaxAttempts ? now + Backoff(item.Attempt) : null;
            if (error is not null)
                DeliveryFailed(logger, item.Transition.Repo, item.Transition.Server, Redacted(item.Url), item.Attempt, error, retryAt is null ? "giving up" : "will retry");
            // Recorded before the next row for this URL goes out, however long the store takes to take writes again.
            while (true)
            {
                try
                {
                    await writer.RunAsync(store =>
                    {
                        store.FinishNotification(item.Id, now, error is null, retryAt, error);
                        return true;
                    });
                    lock (records)
                        records.Succeeded();
                    break;
                }
                catch (ShuttingDownException)
                {
                    return; // The lease runs out and the row comes due again after a restart.
                }
                catch (Exception e)
                {
                    TimeSpan wait;
                    lock (records)
                        wait = records.Failed(e, Poll, MaxStoreBackoff);
                    if (!await Sleep(wait, stoppingToken))
                        return;
                }
            }
        }
    }

    /// <summary>Waits; false once the server is stopping.</summary>
    private static async Task<bool> Sleep(TimeSpan wait, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(wait, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
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
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever else the HTTP stack throws is one failed attempt, retried like the others.
            return e.GetType().Name;
        }
    }

    /// <summary>5 s, 10 s, 20 s, … capped at 10 min.</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxRetry.Ticks, FirstRetry.Ticks << Math.Min(attempt - 1, 20)));

    /// <summary>
    /// A webhook URL as it may be shown (logs, errors, pages): <c>scheme://host[:port]/…</c>. Its path and query often
    /// hold the secret (Slack's <c>/services/T…/B…/…</c>), its user info a password.
    /// </summary>
    public static string Redacted(string url) =>
        Uri.TryCreate(url.Replace(WebhookBody.SlackPrefix, "", StringComparison.OrdinalIgnoreCase), UriKind.Absolute, out var uri)
            ? $"{uri.Scheme}://{uri.Authority}/…"
            : "(invalid URL)";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook for {Repo}@{Server} to {Url} failed on attempt {Attempt}: {Error}; {Next}")]
    private static partial void DeliveryFailed(ILogger logger, string repo, string server, string url, int attempt, string error, string next);
}
