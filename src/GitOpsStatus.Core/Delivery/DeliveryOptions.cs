namespace GitOpsStatus.Core.Delivery;

/// <summary>Where reports go and how hard to try. Retries back off exponentially with jitter from <see cref="RetryDelay"/>.</summary>
public sealed record DeliveryOptions
{
    /// <summary>The status server's base URL; reports go to <c>{Url}/api/status</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? Token { get; init; }

    public int Retries { get; init; } = 4;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Per attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(15);

    public Uri StatusEndpoint => new(new Uri(Url.AbsoluteUri.TrimEnd('/') + "/"), "api/status");
}
