using System.Text.Json;
using GitOpsStatus.Core.Reports;
using GitOpsStatus.Server.Targets;
using Microsoft.Data.Sqlite;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>The sweep's side of flapping and the debounce (<see cref="TargetRules.Notice"/>): writes on the writer thread, one transaction each.</summary>
public sealed partial class SqliteStore
{
    public int SweepNotices(DateTimeOffset now, int batchSize)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var rules = _options.Notices;
        using var tx = _writer.BeginTransaction(deferred: false);
        // Debounced changes whose delay passed: announced from the status last announced to the one held now, if still news.
        var due = Pick(tx, "notify_due <= $now", "notify_from", nowMs, rules, batchSize);
        foreach (var (id, t) in due)
        {
            Execute(tx, "UPDATE targets SET notify_due = NULL, notify_from = NULL WHERE id = $id", ("$id", id));
            if (TargetRules.Announces(t.From, t.To))
                QueueNotifications(tx, t with { Kind = Transition.KindOf(t.To) }, nowMs);
        }
        // Flapping targets a whole window without a change: one settled event with the status now.
        var settled = Pick(tx, $"flapping_since IS NOT NULL AND {TargetRules.SettledSql("json_extract(flap_times, '$[#-1]')", "$now", "$window")}",
            "COALESCE(alert_status, sync_status)", nowMs, rules, batchSize);
        foreach (var (id, t) in settled)
        {
            Execute(tx, "UPDATE targets SET flapping_since = NULL WHERE id = $id", ("$id", id));
            QueueNotifications(tx, t with { Kind = Transition.Settled, At = nowMs }, nowMs);
        }
        tx.Commit();
        return Math.Max(due.Count, settled.Count);
    }

    /// <summary>Up to <paramref name="max"/> targets matching <paramref name="where"/>, each as a transition from <paramref name="from"/> to its announced status.</summary>
    private List<(long Id, Transition Transition)> Pick(SqliteTransaction tx, string where, string from, long now, NoticeRules rules, int max)
    {
        var found = new List<(long, Transition)>();
        using var select = _writer.CreateCommand();
        select.Transaction = tx;
        select.CommandText = $"""
            SELECT id, repo, server, {from}, COALESCE(alert_status, sync_status), status_since, drift_count, revision, error, detection, cause, report
            FROM targets WHERE {where} LIMIT $n
            """;
        select.Parameters.AddWithValue("$now", now);
        select.Parameters.AddWithValue("$window", rules.WindowMs);
        select.Parameters.AddWithValue("$n", max);
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            var report = JsonSerializer.Deserialize(reader.GetString(11), ReportJson.Default.StatusReport)!;
            found.Add((reader.GetInt64(0), new Transition(Transition.Changed, reader.GetString(1), reader.GetString(2), NullableString(reader, 3),
                reader.GetString(4), reader.GetInt64(5), Count(reader, 6), Transition.FilesJsonOf(report.Files?.Select(f => f.Name!) ?? []),
                NullableString(reader, 7), NullableString(reader, 8), NullableString(reader, 9), NullableString(reader, 10))));
        }
        return found;
    }
}
