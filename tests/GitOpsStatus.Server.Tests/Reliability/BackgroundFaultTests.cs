using System.Diagnostics;
using System.Net;
using GitOpsStatus.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Issue 18: no background job stops the host. Each job's store method throws (an exception that is no database error,
/// which the jobs let through before: the host stopped) from the real store behind <see cref="FaultyStore"/>; the job
/// logs it once, retries with backoff while the server answers, and does its work once the store heals.
/// </summary>
public class BackgroundFaultTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly WebhookListener _webhook = new();
    private readonly StoreFaults _faults = new();
    private readonly AppServer _server;

    public BackgroundFaultTests() => _server = new(new()
    {
        ["GITOPS_WEBHOOK_URLS"] = _webhook.Url + "/hook",
        ["GITOPS_SWEEP_INTERVAL"] = "0.1s",
    }, services: services => FaultyStore.Decorate(services, _faults));

    public void Dispose()
    {
        _server.Dispose();
        _webhook.Dispose();
        GC.SuppressFinalize(this);
    }

    // Without backoff a job calls its method every round for the whole window: ~100 times at the 0.1 s sweep interval,
    // ~10 at the dispatcher's 1 s poll; doubling waits make that ~7 and ~4.
    [Theory]
    [InlineData(nameof(IStatusStore.SweepStale), "The stale sweep", 12)]
    [InlineData(nameof(IStatusStore.PruneHistory), "Pruning history", 12)]
    [InlineData(nameof(IStatusStore.ClaimNotifications), "Claiming webhook notifications", 6)]
    [InlineData(nameof(IStatusStore.FinishNotification), "Recording a webhook delivery", 6)]
    public async Task An_exception_from_the_store_in_a_background_job_is_logged_once_and_retried_with_backoff_while_the_server_answers(
        string method, string job, int maxCalls)
    {
        var t = AppServer.Start;
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Synced("faults", "quiet", t, interval: 60))).StatusCode);
        var before = _faults.Calls(method);
        _faults.Fail(method);

        // Work for every job: a drift to announce (claim, send, record) and a target gone STALE (the sweep).
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Drifted("faults", "drifted", t, 3600, "a.conf"))).StatusCode);
        _server.Clock.Advance(TimeSpan.FromMinutes(4));
        var window = Stopwatch.StartNew();
        for (var i = 0; window.Elapsed < Window; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Synced("faults", $"during-{i}", _server.Clock.GetUtcNow(), interval: 3600))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/status.json")).StatusCode);
            // Not a storage fault: the store takes writes, so the server stays ready.
            Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/readyz")).StatusCode);
            await Task.Delay(250);
        }
        var calls = _faults.Calls(method) - before;
        _faults.Heal();

        // Healed: the drift and the STALE are delivered, each once, and every delivery is recorded. The job's next try
        // may be a whole backoff away (the dispatcher's cap is 30 s), so the wait allows for it; the clock moves meanwhile
        // so that a delivery retried after a transient failure comes due (the listener once dropped the pooled
        // connection the dispatcher reused after the window: "Unknown", retried 5 s later by the test's clock).
        await _webhook.WaitUntil(w => w.Delivered.Count == 2, step: () => _server.Clock.Advance(TimeSpan.FromMilliseconds(100)),
            timeout: TimeSpan.FromSeconds(60));
        await WaitUntilOutboxIsEmpty();
        Assert.Equal(["drifted", "quiet"], _webhook.Delivered.Select(d => d.Json.GetProperty("server").GetString()).Order());
        Assert.Equal("STALE", _webhook.Delivered.Single(d => d.Json.GetProperty("server").GetString() == "quiet").Json.GetProperty("to").GetString());

        Assert.False(_server.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the host is stopping");
        Assert.InRange(calls, 2, maxCalls);
        var failed = Assert.Single(_server.Logs.Lines, l => l.Contains($"{job} failed", StringComparison.Ordinal));
        Assert.StartsWith("Error ", failed, StringComparison.Ordinal);
        Assert.Contains($"injected fault in {method}", failed, StringComparison.Ordinal);
        await WaitForLog($"{job} works again after");
    }

    private async Task WaitForLog(string text)
    {
        for (var i = 0; i < 200 && !_server.Logs.Lines.Any(l => l.Contains(text, StringComparison.Ordinal)); i++)
            await Task.Delay(100);
        Assert.Contains(_server.Logs.Lines, l => l.Contains(text, StringComparison.Ordinal));
    }

    private async Task WaitUntilOutboxIsEmpty()
    {
        var store = _server.Services.GetRequiredService<IStatusStore>();
        for (var i = 0; i < 300 && await store.CountPendingNotificationsAsync(CancellationToken.None) > 0; i++)
            await Task.Delay(100);
        Assert.Equal(0, await store.CountPendingNotificationsAsync(CancellationToken.None));
    }
}
