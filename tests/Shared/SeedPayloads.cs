namespace GitOpsStatus.Tests;

/// <summary>The seed's two payloads exactly as its script posts them (seed/DELIVERABLES.md); they must keep working unchanged.
/// One file, compiled into each test project that needs it.</summary>
internal static class SeedPayloads
{
    public const string Synced = """
        {
          "repo": "rsyslog",
          "server": "rsyslog-lab",
          "sync_status": "SYNCED",
          "drift_count": 0,
          "files": [],
          "last_check": "2026-04-21T10:30:00Z"
        }
        """;

    public const string OutOfSync = """
        {
          "repo": "rsyslog",
          "server": "rsyslog-lab",
          "sync_status": "OUT_OF_SYNC",
          "drift_count": 2,
          "files": [
            { "name": "rsyslog.conf" },
            { "name": "rsyslog.d/30-lab.conf" }
          ],
          "last_check": "2026-04-21T10:30:00Z"
        }
        """;
}
