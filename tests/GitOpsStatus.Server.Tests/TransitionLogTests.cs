using GitOpsStatus.Server.Tests.Postgres;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="TransitionLogTestsOnSqlite"/> and <see cref="TransitionLogTestsOnPostgres"/>.</summary>
public abstract class TransitionLogTests(PostgresCluster? postgres) : IDisposable
{
    private const string Category = "GitOpsStatus.Server.Ingestion.TransitionLog";
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Each_status_transition_is_logged_once_at_information_and_heartbeats_are_not()
    {
        var t = AppServer.Start;
        await _server.PostJson(Reports.Synced("infra/rsyslog", "web-1", t, interval: 3600));
        await _server.PostJson(Reports.Synced("infra/rsyslog", "web-1", t.AddSeconds(10), interval: 3600)); // heartbeat
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "web-1", t.AddSeconds(20), 3600, "rsyslog.conf", "rsyslog.d/30-lab.conf"));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "web-1", t.AddSeconds(30), 3600, "rsyslog.conf")); // files change, status stays
        await _server.PostJson(System.Text.Json.JsonSerializer.Serialize(new
        {
            repo = "infra/rsyslog",
            server = "web-1",
            sync_status = "UNKNOWN",
            drift_count = 0,
            last_check = t.AddSeconds(40).ToString("O"),
            error = "ssh: connect to host web-1 port 22: Connection refused",
            interval_seconds = 3600,
            source = "ansible",
        }));

        var lines = _server.Logs.Lines.Where(l => l.Contains(Category, StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            $"Information {Category}: infra/rsyslog on web-1: new target → SYNCED, 0 drifted files, from no source given ",
            $"Information {Category}: infra/rsyslog on web-1: SYNCED → OUT_OF_SYNC, 2 drifted files, from no source given ",
            $"Information {Category}: infra/rsyslog on web-1: OUT_OF_SYNC → UNKNOWN, 0 drifted files, from ansible ",
        ], lines);
    }
}

public sealed class TransitionLogTestsOnSqlite() : TransitionLogTests(null)
{
}

public sealed class TransitionLogTestsOnPostgres(PostgresCluster postgres) : TransitionLogTests(postgres)
{
}
