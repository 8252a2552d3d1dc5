using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Ingestion;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;
using GitOpsStatus.Server.Tests.Postgres;
using Npgsql;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// The target rules (<see cref="Targets.TargetRules"/>) as a table that both stores must pass: SQLite applies them in C#,
/// PostgreSQL in its batch statement and sweep. Each case stores reports (and runs the stale sweep) on a fresh store,
/// then reads what the rules decided: the ingest outcome, the derived status in C# and in SQL, status_since, the
/// history events and the queued notifications. Minutes are counted from <see cref="T0"/>; the default stale limit is 10.
/// </summary>
public abstract class TargetRulesTests(PostgresCluster? postgres)
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 21, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A report checked at minute <c>Checked</c> and received at <c>Received</c>; or (Status null) a sweep at <c>Received</c>; or
    /// (Status "ACK") an acknowledgement at <c>Received</c> until minute <c>Checked</c>.</summary>
    private sealed record Input(string? Status, int Checked, int Received, string[]? Files = null, string? Revision = null, int? Interval = null);

    private static Input Synced(int check, int received, string? revision = null, int? interval = null) => new(SyncStatus.Synced, check, received, null, revision, interval);
    private static Input Drifted(int check, int received, params string[] files) => new(SyncStatus.OutOfSync, check, received, files);
    private static Input Sweep(int at) => new(null, 0, at);
    private static Input Ack(int at, int until) => new("ACK", until, at);

    /// <summary>Events and notifications oldest first, written "changes from→to" and "kind from→to" (∅ for none).
    /// <c>NotifyAfter</c>: GITOPS_NOTIFY_AFTER in minutes; <c>Flapping</c>: what the row shows at the end. <c>Drift</c>: the drift bookkeeping
    /// at the end, "drift_since recurrences_30d file@first_seen×recurrences,…" in minutes (∅ for none).</summary>
    private sealed record RuleCase(Input[] Steps, string Outcome, int ReadAt, string Derived, int StatusSince, string[] Events, string[] Notifications,
        bool Acknowledged = false, int NotifyAfter = 0, bool Flapping = false, string? Drift = null);

    /// <summary>Thirty days and a bit, in minutes: a drift start this old no longer counts.</summary>
    private const int Month = 30 * 24 * 60 + 100;

    /// <summary>A report an hour's interval keeps fresh: OUT_OF_SYNC (file a) at odd minutes, SYNCED at even ones.</summary>
    private static Input Alternate(int minute) =>
        new(minute % 2 == 1 ? SyncStatus.OutOfSync : SyncStatus.Synced, minute, minute, minute % 2 == 1 ? ["a"] : null, null, 3600);

    /// <summary>A SYNCED target at minute 0, then a change of status every minute from 1 to <paramref name="changes"/>.</summary>
    private static Input[] Flaps(int changes) => [.. Enumerable.Range(0, changes + 1).Select(Alternate)];

    private static string[] FlapEvents(int changes) =>
        ["first ∅→SYNCED", .. Enumerable.Range(1, changes).Select(m => m % 2 == 1 ? "status,files SYNCED→OUT_OF_SYNC" : "status,files OUT_OF_SYNC→SYNCED")];

    /// <summary>The six changes before a target flaps, each announced.</summary>
    private static readonly string[] SixChanges =
        [.. Enumerable.Range(1, 6).Select(m => m % 2 == 1 ? "transition SYNCED→OUT_OF_SYNC" : "recovery OUT_OF_SYNC→SYNCED")];


    private static readonly Dictionary<string, RuleCase> Cases = new()
    {
        ["six changes in the window: each announced, not flapping"] =
            new(Flaps(6), "stored", 7, "SYNCED", 6, FlapEvents(6), SixChanges),
        ["a seventh change in the window: one flapping event, then nothing while it flaps"] =
            new(Flaps(10), "stored", 11, "SYNCED", 10, FlapEvents(10), [.. SixChanges, "flapping SYNCED→OUT_OF_SYNC"], Flapping: true),
        ["seven changes spread over more than the window: not flapping"] =
            new([Alternate(0), .. new[] { 1, 2, 3, 4, 5, 6 }.Select(Alternate), Alternate(37)], "stored", 38, "OUT_OF_SYNC", 37,
                FlapEvents(7), [.. SixChanges, "transition SYNCED→OUT_OF_SYNC"]),
        ["flapping, the sweep within the window: still flapping, nothing"] =
            new([.. Flaps(10), Sweep(39)], "stored", 39, "SYNCED", 10, FlapEvents(10), [.. SixChanges, "flapping SYNCED→OUT_OF_SYNC"], Flapping: true),
        ["flapping, a whole window without a change: one settled event with the status now"] =
            new([.. Flaps(9), Sweep(39), Sweep(40)], "stored", 40, "OUT_OF_SYNC", 9, FlapEvents(9),
                [.. SixChanges, "flapping SYNCED→OUT_OF_SYNC", "settled OUT_OF_SYNC→OUT_OF_SYNC"]),
        ["debounced: a blip that reverts within the delay sends nothing"] =
            new([Synced(0, 0), Drifted(1, 1, "a"), Synced(2, 2), Sweep(4)], "stored", 4, "SYNCED", 2,
                ["first ∅→SYNCED", "status,files SYNCED→OUT_OF_SYNC", "status,files OUT_OF_SYNC→SYNCED"], [], NotifyAfter: 2),
        ["debounced: a change that holds is announced once by the sweep after the delay"] =
            new([Synced(0, 0), Drifted(1, 1, "a"), Sweep(2), Sweep(3), Sweep(4)], "stored", 4, "OUT_OF_SYNC", 1,
                ["first ∅→SYNCED", "status,files SYNCED→OUT_OF_SYNC"], ["transition SYNCED→OUT_OF_SYNC"], NotifyAfter: 2),
        ["debounced: a newcomer in trouble is announced after the delay"] =
            new([Drifted(0, 0, "a"), Sweep(1), Sweep(2)], "stored", 2, "OUT_OF_SYNC", 0, ["first ∅→OUT_OF_SYNC"], ["transition ∅→OUT_OF_SYNC"], NotifyAfter: 2),
        ["debounced: going STALE while a change waits announces STALE from the status before it"] =
            new([Synced(0, 0, interval: 60), new(SyncStatus.OutOfSync, 1, 1, ["a"], null, 60), Sweep(5), Sweep(7)], "stored", 7, "STALE", 4,
                ["first ∅→SYNCED", "status,files SYNCED→OUT_OF_SYNC", "status OUT_OF_SYNC→STALE"], ["transition SYNCED→STALE"], NotifyAfter: 5),
        ["new target, green: stored, no announcement"] =
            new([Synced(0, 0)], "stored", 1, "SYNCED", 0, ["first ∅→SYNCED"], []),
        ["new target in trouble: announced"] =
            new([Drifted(0, 0, "a")], "stored", 1, "OUT_OF_SYNC", 0, ["first ∅→OUT_OF_SYNC"], ["transition ∅→OUT_OF_SYNC"]),
        ["same report again: unchanged"] =
            new([Synced(0, 0), Synced(0, 1)], "unchanged", 1, "SYNCED", 0, ["first ∅→SYNCED"], []),
        ["later report, same status: a heartbeat, no event"] =
            new([Synced(0, 0, "r1"), Synced(1, 1, "r1")], "stored", 2, "SYNCED", 0, ["first ∅→SYNCED"], []),
        ["status change: event and announcement"] =
            new([Synced(0, 0), Drifted(1, 1, "a")], "stored", 2, "OUT_OF_SYNC", 1,
                ["first ∅→SYNCED", "status,files SYNCED→OUT_OF_SYNC"], ["transition SYNCED→OUT_OF_SYNC"]),
        ["back to green: a recovery"] =
            new([Drifted(0, 0, "a"), Synced(1, 1)], "stored", 2, "SYNCED", 1,
                ["first ∅→OUT_OF_SYNC", "status,files OUT_OF_SYNC→SYNCED"], ["transition ∅→OUT_OF_SYNC", "recovery OUT_OF_SYNC→SYNCED"]),
        ["drift set change: an event, status since kept, no announcement"] =
            new([Drifted(0, 0, "a"), Drifted(1, 1, "a", "b")], "stored", 2, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC", "files OUT_OF_SYNC→OUT_OF_SYNC"], ["transition ∅→OUT_OF_SYNC"]),
        ["revision change: an event"] =
            new([Synced(0, 0, "r1"), Synced(1, 1, "r2")], "stored", 2, "SYNCED", 0, ["first ∅→SYNCED", "revision SYNCED→SYNCED"], []),
        ["older report: superseded"] =
            new([Synced(5, 5), Drifted(1, 6, "a")], "superseded", 6, "SYNCED", 5, ["first ∅→SYNCED"], []),
        ["same check time, other content: replaces"] =
            new([Synced(0, 0), Drifted(0, 1, "a")], "stored", 1, "OUT_OF_SYNC", 0,
                ["first ∅→SYNCED", "status,files SYNCED→OUT_OF_SYNC"], ["transition SYNCED→OUT_OF_SYNC"]),
        ["within 3 intervals: not stale"] =
            new([Synced(0, 0, interval: 60)], "stored", 3, "SYNCED", 0, ["first ∅→SYNCED"], []),
        ["past 3 intervals: STALE"] =
            new([Synced(0, 0, interval: 60)], "stored", 4, "STALE", 3, ["first ∅→SYNCED"], []),
        ["within the default limit: not stale"] =
            new([Synced(0, 0)], "stored", 10, "SYNCED", 0, ["first ∅→SYNCED"], []),
        ["past the default limit: STALE"] =
            new([Synced(0, 0)], "stored", 11, "STALE", 10, ["first ∅→SYNCED"], []),
        ["stale sweep: event and announcement"] =
            new([Synced(0, 0, interval: 60), Sweep(4)], "stored", 4, "STALE", 3, ["first ∅→SYNCED", "status SYNCED→STALE"], ["transition SYNCED→STALE"]),
        ["report after the sweep: recovery from STALE"] =
            new([Synced(0, 0, interval: 60), Sweep(4), Synced(5, 5, interval: 60)], "stored", 5, "SYNCED", 5,
                ["first ∅→SYNCED", "status SYNCED→STALE", "status STALE→SYNCED"], ["transition SYNCED→STALE", "recovery STALE→SYNCED"]),
        ["report after a silence no sweep saw: new status since, no event"] =
            new([Synced(0, 0), Synced(11, 11)], "stored", 11, "SYNCED", 11, ["first ∅→SYNCED"], []),
        ["report already past its limit when received: announced STALE, a newcomer not notified"] =
            new([Drifted(0, 20, "a")], "stored", 20, "STALE", 10, ["first ∅→OUT_OF_SYNC"], []),
        ["acknowledged drift: still OUT_OF_SYNC, a heartbeat keeps it, nothing announced"] =
            new([Drifted(0, 0, "a"), Ack(1, 60), Drifted(2, 2, "a")], "stored", 3, "OUT_OF_SYNC", 0, ["first ∅→OUT_OF_SYNC", "acknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (-)"], ["transition ∅→OUT_OF_SYNC"], true),
        ["acknowledged, another file drifts: it ends, one unacknowledged"] =
            new([Drifted(0, 0, "a"), Ack(1, 60), Drifted(2, 2, "a", "b")], "stored", 3, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC", "acknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (-)", "files OUT_OF_SYNC→OUT_OF_SYNC", "unacknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (content)"],
                ["transition ∅→OUT_OF_SYNC", "unacknowledged OUT_OF_SYNC→OUT_OF_SYNC"]),
        ["acknowledged, back to SYNCED: it ends with the recovery alone"] =
            new([Drifted(0, 0, "a"), Ack(1, 60), Synced(2, 2)], "stored", 3, "SYNCED", 2,
                ["first ∅→OUT_OF_SYNC", "acknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (-)", "status,files OUT_OF_SYNC→SYNCED", "unacknowledged SYNCED→SYNCED by test (status)"],
                ["transition ∅→OUT_OF_SYNC", "recovery OUT_OF_SYNC→SYNCED"]),
        ["acknowledged until minute 5: a report after it ends it"] =
            new([Drifted(0, 0, "a"), Ack(1, 5), Drifted(6, 6, "a")], "stored", 7, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC", "acknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (-)", "unacknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (expired)"], ["transition ∅→OUT_OF_SYNC", "unacknowledged OUT_OF_SYNC→OUT_OF_SYNC"]),
        ["acknowledged until minute 5: the sweep ends it, once"] =
            new([Drifted(0, 0, "a"), Ack(1, 5), Sweep(4), Sweep(6), Sweep(7)], "stored", 7, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC", "acknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (-)", "unacknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (expired)"], ["transition ∅→OUT_OF_SYNC", "unacknowledged OUT_OF_SYNC→OUT_OF_SYNC"]),
        ["acknowledged twice: the first ends replaced, history has both"] =
            new([Drifted(0, 0, "a"), Ack(1, 60), Ack(2, 90)], "stored", 3, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC", "acknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (-)", "unacknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (replaced)", "acknowledged OUT_OF_SYNC→OUT_OF_SYNC by test (-)"], ["transition ∅→OUT_OF_SYNC"], true),
        ["drift repeated in later reports: first_seen kept, one start"] =
            new([Drifted(0, 0, "a"), Drifted(5, 5, "a"), Drifted(9, 9, "a")], "stored", 10, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC"], ["transition ∅→OUT_OF_SYNC"], Drift: "0 1 a@0×1"),
        ["a second file drifts: the first keeps its start, the target counts two starts"] =
            new([Drifted(0, 0, "a"), Drifted(5, 5, "a", "b")], "stored", 6, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC", "files OUT_OF_SYNC→OUT_OF_SYNC"], ["transition ∅→OUT_OF_SYNC"], Drift: "0 2 a@0×1,b@5×1"),
        ["SYNCED, then drifting again: first_seen starts over, the file counts twice"] =
            new([Drifted(0, 0, "a"), Synced(5, 5), Drifted(8, 8, "a")], "stored", 9, "OUT_OF_SYNC", 8,
                ["first ∅→OUT_OF_SYNC", "status,files OUT_OF_SYNC→SYNCED", "status,files SYNCED→OUT_OF_SYNC"],
                ["transition ∅→OUT_OF_SYNC", "recovery OUT_OF_SYNC→SYNCED", "transition SYNCED→OUT_OF_SYNC"], Drift: "8 2 a@8×2"),
        ["one file stops and drifts again while another stays: the other keeps the target's drift_since"] =
            new([Drifted(0, 0, "a", "b"), Drifted(3, 3, "b"), Drifted(6, 6, "b", "a")], "stored", 7, "OUT_OF_SYNC", 0,
                ["first ∅→OUT_OF_SYNC", "files OUT_OF_SYNC→OUT_OF_SYNC", "files OUT_OF_SYNC→OUT_OF_SYNC"], ["transition ∅→OUT_OF_SYNC"],
                Drift: "0 2 b@0×1,a@6×2"),
        ["a start older than 30 days no longer counts"] =
            new([Drifted(0, 0, "a"), Synced(1, 1), Drifted(Month, Month, "a")], "stored", Month + 1, "OUT_OF_SYNC", Month,
                ["first ∅→OUT_OF_SYNC", "status,files OUT_OF_SYNC→SYNCED", "status,files SYNCED→OUT_OF_SYNC"],
                // The last transition is due at minute Month, after the claim at minute 100.
                ["transition ∅→OUT_OF_SYNC", "recovery OUT_OF_SYNC→SYNCED"], Drift: $"{Month} 1 a@{Month}×1"),
        ["SYNCED heartbeats: no drift"] =
            new([Synced(0, 0), Synced(5, 5)], "stored", 6, "SYNCED", 0, ["first ∅→SYNCED"], [], Drift: "∅ 0 "),
        ["drift fixed: no drifted file, the start still counted"] =
            new([Drifted(0, 0, "a"), Synced(5, 5)], "stored", 6, "SYNCED", 5, ["first ∅→OUT_OF_SYNC", "status,files OUT_OF_SYNC→SYNCED"],
                ["transition ∅→OUT_OF_SYNC", "recovery OUT_OF_SYNC→SYNCED"], Drift: "∅ 1 "),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task The_store_obeys_the_target_rules(string name)
    {
        var c = Cases[name];
        var dataDir = Directory.CreateTempSubdirectory("gitops-status-rules-").FullName;
        var database = postgres?.CreateDatabase();
        var options = new ServerOptions { DataDir = dataDir, WebhookUrls = ["http://127.0.0.1:9/hook"], NotifyAfter = TimeSpan.FromMinutes(c.NotifyAfter) };
        try
        {
            using IStatusStore store = database is { } db
                ? new PostgresStore(new NpgsqlConnectionStringBuilder(db.ConnectionString), options)
                : new SqliteStore(options);

            var outcome = "";
            foreach (var step in c.Steps)
            {
                if (step.Status is null)
                {
                    store.SweepStale(At(step.Received), 100);
                    store.SweepAcknowledgements(At(step.Received), 100);
                    store.SweepNotices(At(step.Received), 100);
                }
                else if (step.Status == "ACK")
                {
                    var target = (await store.ReadTargetAsync("infra/app", "web-1", CancellationToken.None))!;
                    var files = target.Report.Files ?? [];
                    Assert.NotNull(store.Acknowledge(new AckRequest("infra/app", "web-1", target.Row.LastCheck,
                        Targets.TargetRules.ContentKey(files.Select(f => (f.Name!, f.ActualSha256))), Transition.FilesJsonOf(files.Select(f => f.Name!)),
                        "accepted", "test", At(step.Checked).ToUnixTimeMilliseconds(), At(step.Received).ToUnixTimeMilliseconds())));
                }
                else
                    outcome = store.ApplyBatch([Report(step)])[0].Outcome.ToString().ToLowerInvariant();
            }

            var readAt = At(c.ReadAt);
            var detail = (await store.ReadTargetAsync("infra/app", "web-1", CancellationToken.None))!;
            var row = detail.Row;
            var derived = row.Derived(readAt, options);
            var summary = await store.ReadSummaryAsync(readAt, CancellationToken.None);
            var history = await store.ReadHistoryAsync("infra/app", "web-1", 100, null, CancellationToken.None);
            var notifications = store.ClaimNotifications(At(100), TimeSpan.FromMinutes(1), 100);

            Assert.Equal(c.Outcome, outcome);
            Assert.Equal(c.Derived, derived.Status);
            Assert.Equal(1, CountOf(summary.Overall, c.Derived)); // the derived status in SQL
            Assert.Equal(At(c.StatusSince), derived.Since);
            Assert.Equal(c.Events, history.Events.Reverse().Select(e => $"{e.Changes} {e.FromStatus ?? "∅"}→{e.ToStatus}{(e.Ack is { } a ? $" by {a.By} ({a.EndReason ?? "-"})" : "")}"));
            Assert.Equal(c.Notifications, notifications.OrderBy(n => n.Id).Select(n => $"{n.Transition.Kind} {n.Transition.From ?? "∅"}→{n.Transition.To}"));
            Assert.Equal(c.Acknowledged, row.Acknowledged(readAt));
            Assert.Equal(c.Flapping, row.Flapping);
            if (c.Drift is not null)
                Assert.Equal(c.Drift, $"{Minute(row.DriftSince)} {row.Recurrences(readAt)} "
                    + string.Join(',', detail.Drift.Select(f => $"{f.Name}@{Minute(f.FirstSeen)}×{f.Recurrences(readAt)}")));
        }
        finally
        {
            if (database is { } db)
                postgres!.DropDatabase(db.Name);
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static DateTimeOffset At(int minute) => T0.AddMinutes(minute);

    private static string Minute(long? unixMs) => unixMs is { } ms ? ((ms - T0.ToUnixTimeMilliseconds()) / 60_000).ToString(System.Globalization.CultureInfo.InvariantCulture) : "∅";

    private static IncomingReport Report(Input step)
    {
        var json = JsonSerializer.Serialize(new
        {
            repo = "infra/app",
            server = "web-1",
            sync_status = step.Status,
            drift_count = step.Files?.Length ?? 0,
            files = (step.Files ?? []).Select(name => new { name }),
            last_check = At(step.Checked).ToString("O"),
            revision = step.Revision,
            interval_seconds = step.Interval,
        });
        return IngestApi.Prepare(JsonSerializer.Deserialize(json, ReportJson.Default.StatusReport)!, At(step.Received));
    }

    private static int CountOf(StatusCounts counts, string status) => status switch
    {
        SyncStatus.Synced => counts.Synced,
        SyncStatus.OutOfSync => counts.OutOfSync,
        SyncStatus.Stale => counts.Stale,
        _ => counts.Unknown,
    };
}

public sealed class TargetRulesTestsOnSqlite() : TargetRulesTests(null)
{
}

public sealed class TargetRulesTestsOnPostgres(PostgresCluster postgres) : TargetRulesTests(postgres)
{
}
