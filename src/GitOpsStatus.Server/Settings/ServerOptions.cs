using System.Globalization;
using GitOpsStatus.Core;

namespace GitOpsStatus.Server.Settings;

/// <summary>
/// Every server setting with its default, in one place (the README's settings table mirrors it).
/// Each is read from appsettings.json, the environment (<c>GITOPS_*</c>) or a command-line flag.
/// </summary>
public sealed record ServerOptions
{
    /// <summary>Listen address when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> is given.</summary>
    public const string DefaultUrls = "http://localhost:8080";

    /// <summary>Where the embedded SQLite file lives; created if missing.</summary>
    public string DataDir { get; init; } = "./data";

    /// <summary>A PostgreSQL connection string (Npgsql form or a <c>postgres://</c> URL): use it instead of the SQLite file.</summary>
    public Secret? Database { get; init; }

    /// <summary>Stale limit for reports that carry no <c>interval_seconds</c>.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest accepted request body.</summary>
    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>How often the dashboard page refreshes itself.</summary>
    public TimeSpan DashboardRefresh { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>History events older than this many days are pruned in the background.</summary>
    public int HistoryDays { get; init; } = 90;

    /// <summary>Write tokens, each <c>token</c>, <c>token:repo-glob</c> or <c>token:repo-glob@server-glob</c>; unset: writes are open.</summary>
    public Secret? WriteTokens { get; init; }

    /// <summary>The token that may delete targets (and read).</summary>
    public Secret? AdminToken { get; init; }

    /// <summary>When set, every read route but /healthz and /readyz requires it.</summary>
    public Secret? ReadToken { get; init; }

    /// <summary>Where status transitions are POSTed; a <c>slack+</c> prefix sends Slack's body.</summary>
    public IReadOnlyList<string> WebhookUrls { get; init; } = [];

    /// <summary>The server's address as people reach it, for links in notifications.</summary>
    public string? PublicUrl { get; init; }

    /// <summary>Remind every so often while a target stays OUT_OF_SYNC or STALE; null: no reminders.</summary>
    public TimeSpan? RemindAfter { get; init; }

    /// <summary>A target whose status changed more than this many times within <see cref="FlapWindow"/> is flapping; 0: never.</summary>
    public int FlapThreshold { get; init; } = 6;

    /// <summary>The window <see cref="FlapThreshold"/> counts in; a flapping target settles after this long without a change.</summary>
    public TimeSpan FlapWindow { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>A transition is announced only if the status still holds this long after it (Prometheus's <c>for:</c>); zero: at once.</summary>
    public TimeSpan NotifyAfter { get; init; } = TimeSpan.Zero;

    /// <summary>The three settings above, as the target rules take them.</summary>
    public Targets.NoticeRules Notices => new(FlapThreshold, FlapWindow, NotifyAfter);

    /// <summary>How often the background sweep looks for targets gone STALE, due reminders and old history.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reports per minute one client address may POST; 0: no limit.</summary>
    public int WriteRateLimit { get; init; }

    /// <summary>Reads (API, /status.json, /metrics, dashboard pages) answered at once; more wait in the queue.</summary>
    public int MaxConcurrentReads { get; init; } = 16;

    /// <summary>Dashboard event streams (live pages) open at once; one more is refused with 503 and falls back to the timed refresh.</summary>
    public int MaxEventStreams { get; init; } = 100;

    /// <summary>Reads that may wait for a slot; one more is refused with 503.</summary>
    public int ReadQueue { get; init; } = 64;

    /// <summary>A request still running after this long is cancelled (503).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Proxies (addresses or CIDR networks) whose X-Forwarded-Proto is believed; none by default.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];

    /// <summary>One log line per HTTP request (ASP.NET Core's HTTP logging).</summary>
    public bool HttpLogging { get; init; }

    /// <summary>Command-line flags and the setting each one sets.</summary>
    public static readonly Dictionary<string, string> Flags = new()
    {
        ["--data-dir"] = "GITOPS_DATA_DIR",
        ["--database"] = "GITOPS_DATABASE",
        ["--stale-after"] = "GITOPS_STALE_AFTER",
        ["--max-body-bytes"] = "GITOPS_MAX_BODY_BYTES",
        ["--dashboard-refresh"] = "GITOPS_DASHBOARD_REFRESH",
        ["--history-days"] = "GITOPS_HISTORY_DAYS",
        ["--write-tokens"] = "GITOPS_WRITE_TOKENS",
        ["--admin-token"] = "GITOPS_ADMIN_TOKEN",
        ["--read-token"] = "GITOPS_READ_TOKEN",
        ["--webhook-urls"] = "GITOPS_WEBHOOK_URLS",
        ["--public-url"] = "GITOPS_PUBLIC_URL",
        ["--remind-after"] = "GITOPS_REMIND_AFTER",
        ["--sweep-interval"] = "GITOPS_SWEEP_INTERVAL",
        ["--flap-threshold"] = "GITOPS_FLAP_THRESHOLD",
        ["--flap-window"] = "GITOPS_FLAP_WINDOW",
        ["--notify-after"] = "GITOPS_NOTIFY_AFTER",
        ["--write-rate-limit"] = "GITOPS_WRITE_RATE_LIMIT",
        ["--max-concurrent-reads"] = "GITOPS_MAX_CONCURRENT_READS",
        ["--read-queue"] = "GITOPS_READ_QUEUE",
        ["--max-event-streams"] = "GITOPS_MAX_EVENT_STREAMS",
        ["--request-timeout"] = "GITOPS_REQUEST_TIMEOUT",
        ["--trusted-proxies"] = "GITOPS_TRUSTED_PROXIES",
        ["--http-logging"] = "GITOPS_HTTP_LOGGING",
    };

    /// <summary>Reads the settings; a bad value stops start-up with a sentence naming it.</summary>
    public static ServerOptions From(IConfiguration config)
    {
        var defaults = new ServerOptions();
        return new ServerOptions
        {
            DataDir = config["GITOPS_DATA_DIR"] is { Length: > 0 } dir ? dir : defaults.DataDir,
            Database = Secret.From(config["GITOPS_DATABASE"]),
            StaleAfter = Read(config, "GITOPS_STALE_AFTER", defaults.StaleAfter, ParseDuration),
            MaxBodyBytes = Read(config, "GITOPS_MAX_BODY_BYTES", defaults.MaxBodyBytes, ParseBytes),
            DashboardRefresh = Read(config, "GITOPS_DASHBOARD_REFRESH", defaults.DashboardRefresh, ParseDuration),
            HistoryDays = ReadCount(config, "GITOPS_HISTORY_DAYS", defaults.HistoryDays, min: 1),
            WriteTokens = Secret.From(config["GITOPS_WRITE_TOKENS"]),
            AdminToken = Secret.From(config["GITOPS_ADMIN_TOKEN"]),
            ReadToken = Secret.From(config["GITOPS_READ_TOKEN"]),
            WebhookUrls = (config["GITOPS_WEBHOOK_URLS"] ?? "").Split([',', ' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries),
            PublicUrl = config["GITOPS_PUBLIC_URL"] is { Length: > 0 } url ? url.TrimEnd('/') : null,
            RemindAfter = string.IsNullOrWhiteSpace(config["GITOPS_REMIND_AFTER"]) ? null : Read(config, "GITOPS_REMIND_AFTER", TimeSpan.Zero, ParseDuration),
            SweepInterval = Read(config, "GITOPS_SWEEP_INTERVAL", defaults.SweepInterval, ParseDuration),
            FlapThreshold = ReadCount(config, "GITOPS_FLAP_THRESHOLD", defaults.FlapThreshold, min: 0),
            FlapWindow = Read(config, "GITOPS_FLAP_WINDOW", defaults.FlapWindow, ParseDuration),
            NotifyAfter = ReadDelay(config, "GITOPS_NOTIFY_AFTER", defaults.NotifyAfter),
            WriteRateLimit = ReadCount(config, "GITOPS_WRITE_RATE_LIMIT", defaults.WriteRateLimit, min: 0),
            MaxConcurrentReads = ReadCount(config, "GITOPS_MAX_CONCURRENT_READS", defaults.MaxConcurrentReads, min: 1),
            ReadQueue = ReadCount(config, "GITOPS_READ_QUEUE", defaults.ReadQueue, min: 0),
            MaxEventStreams = ReadCount(config, "GITOPS_MAX_EVENT_STREAMS", defaults.MaxEventStreams, min: 0),
            RequestTimeout = Read(config, "GITOPS_REQUEST_TIMEOUT", defaults.RequestTimeout, ParseDuration),
            TrustedProxies = ReadNetworks(config, "GITOPS_TRUSTED_PROXIES"),
            HttpLogging = ReadFlag(config, "GITOPS_HTTP_LOGGING", defaults.HttpLogging),
        };
    }

    private static T Read<T>(IConfiguration config, string key, T fallback, Func<string, T?> parse) where T : struct
    {
        var text = config[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return parse(text.Trim()) ?? throw new SettingException(
            $"Setting {key}=\"{text}\" is not valid; expected {(typeof(T) == typeof(TimeSpan) ? Durations.Expected + " above zero" : "a positive number of bytes like 1048576 or 1MiB")}.");
    }

    /// <summary>A duration that may be zero (no delay), at most a day: a longer delay would announce yesterday's news.</summary>
    private static TimeSpan ReadDelay(IConfiguration config, string key, TimeSpan fallback)
    {
        var text = config[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return Durations.TryParse(text, out var value) && value <= MaxNotifyAfter ? value : throw new SettingException(
            $"Setting {key}=\"{text}\" is not valid; expected 0 or {Durations.Expected}, at most 1d.");
    }

    /// <summary>The longest <see cref="NotifyAfter"/>.</summary>
    public static readonly TimeSpan MaxNotifyAfter = TimeSpan.FromDays(1);

    private static List<System.Net.IPNetwork> ReadNetworks(IConfiguration config, string key)
    {
        var networks = new List<System.Net.IPNetwork>();
        foreach (var item in (config[key] ?? "").Split([',', ' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (System.Net.IPNetwork.TryParse(item, out var network))
                networks.Add(network);
            else if (System.Net.IPAddress.TryParse(item, out var address))
                networks.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
                throw new SettingException($"Setting {key}=\"{item}\" is not valid; expected IP addresses or CIDR networks like 10.0.0.5 or 10.0.0.0/8, separated by commas.");
        }
        return networks;
    }

    private static bool ReadFlag(IConfiguration config, string key, bool fallback)
    {
        var text = config[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return text.Trim().ToLowerInvariant() switch
        {
            "true" or "1" or "on" or "yes" => true,
            "false" or "0" or "off" or "no" => false,
            _ => throw new SettingException($"Setting {key}=\"{text}\" is not valid; expected true or false."),
        };
    }

    private static int ReadCount(IConfiguration config, string key, int fallback, int min)
    {
        var text = config[key];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return int.TryParse(text.Trim(), CultureInfo.InvariantCulture, out var n) && n >= min ? n : throw new SettingException(
            $"Setting {key}=\"{text}\" is not valid; expected a whole number of at least {min}.");
    }

    /// <summary>A <see cref="Durations"/> longer than zero: every duration setting is a period or a limit.</summary>
    private static TimeSpan? ParseDuration(string text) => Durations.TryParse(text, out var value) && value > TimeSpan.Zero ? value : null;

    /// <summary>"1048576", "512KiB", "1MiB".</summary>
    public static long? ParseBytes(string text)
    {
        var units = new[] { ("KiB", 1024L), ("MiB", 1024L * 1024), ("KB", 1000L), ("MB", 1000L * 1000), ("B", 1L) };
        foreach (var (suffix, factor) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && long.TryParse(text[..^suffix.Length].Trim(), CultureInfo.InvariantCulture, out var n) && n > 0)
                return n * factor;
        }
        return long.TryParse(text, CultureInfo.InvariantCulture, out var bytes) && bytes > 0 ? bytes : null;
    }
}

/// <summary>A setting that must never be printed (tokens): <see cref="ToString"/> hides it.</summary>
public sealed class Secret(string value)
{
    public string Reveal() => value;

    public override string ToString() => "(secret)";

    public static Secret? From(string? text) => string.IsNullOrWhiteSpace(text) ? null : new Secret(text.Trim());
}
