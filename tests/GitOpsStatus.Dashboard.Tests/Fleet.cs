using System.Text.Json;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>Fixture reports: a small fleet with every status, real-looking diffs, and hostile text.</summary>
public static class Fleet
{
    /// <summary>Repo and server names are restricted to safe characters; these go where free text is allowed.</summary>
    public const string HostileImg = "<img src=x onerror=alert(1)>";
    public const string HostileScript = "<script>alert(2)</script>";

    public const string RsyslogDiff = """
        --- a/rsyslog.conf
        +++ b/rsyslog.conf
        @@ -1,4 +1,4 @@
         module(load="imuxsock")
        -*.* @@logs.internal:514
        +*.* @@10.0.0.99:514
         $IncludeConfig /etc/rsyslog.d/*.conf
        """;

    public static string Report(string repo, string server, string status, DateTimeOffset at, object[]? files = null,
        string? revision = null, string? source = null, string? error = null, int? interval = null) =>
        JsonSerializer.Serialize(new
        {
            repo,
            server,
            sync_status = status,
            drift_count = files?.Length ?? 0,
            files = files ?? [],
            last_check = at.ToString("O"),
            revision,
            source,
            error,
            interval_seconds = interval,
        });

    public static object File(string name, string change = "modified", string? diff = null, string? repoPath = null) =>
        new { name, change, diff, repo_path = repoPath };

    /// <summary>Six targets: 2 SYNCED, 2 OUT_OF_SYNC, 1 STALE, 1 UNKNOWN (with the clock at <see cref="LiveServer.Start"/>).</summary>
    public static async Task Seed(LiveServer server)
    {
        var now = LiveServer.Start;
        const string commit = "4f2c1d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a392";
        // Within 3 × 120 s of the clock, so the server's stale sweep never slips a STALE event in between.
        await server.Post(Report("infra/rsyslog", "rsyslog-lab", "SYNCED", now.AddMinutes(-5), revision: commit, source: "deploy", interval: 120));
        await server.Post(Report("infra/rsyslog", "rsyslog-lab", "OUT_OF_SYNC", now.AddMinutes(-2),
            [File("rsyslog.conf", diff: RsyslogDiff, repoPath: "files/rsyslog.conf"), File("rsyslog.d/30-lab.conf", "missing")],
            revision: commit, source: "cron", interval: 120));
        await server.Post(Report("infra/rsyslog", "rsyslog-prod", "SYNCED", now.AddMinutes(-1), revision: commit, source: "cron", interval: 120));
        await server.Post(Report("web", "web-1", "SYNCED", now.AddMinutes(-3), revision: "v2.4.1", source: "cron"));
        await server.Post(Report("web", "web-2", "UNKNOWN", now.AddMinutes(-4), source: "cron",
            error: "ssh: connect to host web-2 port 22: Connection refused"));
        await server.Post(Report("web", "web-3", "SYNCED", now.AddHours(-3), revision: "v2.4.0", source: "cron"));
        await server.Post(Report("dns", "ns1", "OUT_OF_SYNC", now.AddMinutes(-5),
            [File("zones/" + HostileImg + ".zone", diff: $"--- a\n+++ b\n@@ -1 +1 @@\n-{HostileScript}\n+{HostileImg}\n")],
            revision: HostileScript, source: HostileImg));
    }
}
