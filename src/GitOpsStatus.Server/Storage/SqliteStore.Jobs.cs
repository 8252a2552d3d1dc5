using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Writes other than reports. Like <see cref="ApplyBatch"/>, each is called only on the writer thread
/// (through <see cref="Ingestion.GroupCommitWriter.RunAsync{T}"/>) and commits one short transaction.
/// </summary>
public sealed partial class SqliteStore
{
    /// <summary>Forgets a target with its history and its undelivered notifications; false when there was none.</summary>
    public bool DeleteTarget(string repo, string server)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        var deleted = Execute(tx, "DELETE FROM targets WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        Execute(tx, "DELETE FROM events WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        Execute(tx, "DELETE FROM outbox WHERE repo = $repo AND server = $server", ("$repo", repo), ("$server", server));
        tx.Commit();
        return deleted > 0;
    }

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> history events (and delivered or abandoned
    /// notifications) older than <paramref name="cutoff"/>, oldest first; returns how many went.
    /// Small batches keep each transaction short, so reports queued behind it wait milliseconds.
    /// </summary>
    public int PruneHistory(DateTimeOffset cutoff, int batchSize)
    {
        using var tx = _writer.BeginTransaction(deferred: false);
        var at = cutoff.ToUnixTimeMilliseconds();
        var events = Execute(tx, "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < $cutoff ORDER BY at LIMIT $n)",
            ("$cutoff", at), ("$n", batchSize));
        var outbox = Execute(tx, """
            DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < $cutoff AND (sent_at IS NOT NULL OR failed_at IS NOT NULL) LIMIT $n)
            """, ("$cutoff", at), ("$n", batchSize));
        tx.Commit();
        return events + outbox;
    }

    private int Execute(SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = _writer.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command.ExecuteNonQuery();
    }
}
