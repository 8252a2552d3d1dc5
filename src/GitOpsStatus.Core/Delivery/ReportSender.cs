using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace GitOpsStatus.Core.Delivery;

/// <summary>How one POST ended.</summary>
public enum SendOutcome
{
    /// <summary>HTTP 2xx: the server committed (or already had) the report.</summary>
    Delivered,

    /// <summary>HTTP 4xx other than 408/429: retrying the same body cannot succeed.</summary>
    Rejected,

    /// <summary>No answer, or 5xx/408/429 after every retry: worth trying again later.</summary>
    Unreachable,
}

public sealed record SendResult(SendOutcome Outcome, string Detail);

/// <summary>POSTs report bodies with retries (Polly: exponential backoff with jitter, a timeout per attempt).</summary>
public sealed class ReportSender : IDisposable
{
    private readonly HttpClient http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        // gitops-status/<version>, as the server's webhooks send it: the server's request log names the sender.
        DefaultRequestHeaders = { { "User-Agent", Drift.DriftChecker.CheckerName } },
    };

    private readonly DeliveryOptions options;
    private readonly ResiliencePipeline<HttpResponseMessage> pipeline;

    public ReportSender(DeliveryOptions options)
    {
        this.options = options;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.Retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .Handle<SocketException>()
                    .Handle<IOException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }
        pipeline = builder.AddTimeout(options.Timeout).Build();
    }

    public async Task<SendResult> SendAsync(byte[] json, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, options.StatusEndpoint)
                {
                    Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
                };
                if (options.Token is { } bearer)
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                return await http.SendAsync(request, token);
            }, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
                return new SendResult(SendOutcome.Delivered, Field(body, "outcome") ?? $"HTTP {code}");
            var detail = code is 401 or 403 ? $"HTTP {code}: {AccessDetail(code, body)}" : $"HTTP {code}: {Said(body)}";
            return new SendResult(IsTransient(response.StatusCode) ? SendOutcome.Unreachable : SendOutcome.Rejected, detail);
        }
        // SocketsHttpHandler lets a SocketException escape when the peer resets a connection just after accepting it.
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or SocketException or IOException)
        {
            return new SendResult(SendOutcome.Unreachable, e.Message);
        }
    }

    /// <summary>A refused token is the client's to fix: name the client's setting, not the server's list of tokens.</summary>
    private string AccessDetail(int code, string body) =>
        code == 401
            ? options.Token is null
                ? "the server requires a write token and none was sent; pass --token or set GITOPS_TOKEN"
                : "the server does not accept the token sent (from --token or GITOPS_TOKEN); check it against the server's write tokens"
            : Errors(body, "") is { Length: > 0 } scope && (scope.Contains("repo:", StringComparison.Ordinal) || scope.Contains("server:", StringComparison.Ordinal))
                ? $"{Said(body)}; the token sent (from --token or GITOPS_TOKEN) does not cover this target"
                : "the token sent (from --token or GITOPS_TOKEN) is valid but not a write token";

    /// <summary>What the server said: its detail (or title, or body), and each named field not already in it.</summary>
    private static string Said(string body)
    {
        var detail = Field(body, "detail") ?? Field(body, "title") ?? Shorten(body);
        return detail + Errors(body, detail);
    }

    private static bool IsTransient(HttpStatusCode code) =>
        (int)code >= 500 || code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static string? Field(string body, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(name, out var value)
                && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Problem details' <c>errors</c> (field → messages), flattened, leaving out what <paramref name="shown"/> already says.</summary>
    private static string Errors(string body, string shown)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("errors", out var errors)
                || errors.ValueKind != JsonValueKind.Object)
                return "";
            var parts = errors.EnumerateObject()
                .Select(p => $"{p.Name}: {string.Join("; ", p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(v => v.ToString()) : [p.Value.ToString()])}")
                .Where(part => !shown.Contains(part, StringComparison.Ordinal)).ToList();
            return parts.Count == 0 ? "" : " (" + string.Join(", ", parts) + ")";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    public void Dispose() => http.Dispose();
}
