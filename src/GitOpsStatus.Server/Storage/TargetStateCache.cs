using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// The SQLite writer's copy of each target's row as its own last batch left it, so a heartbeat is not read back before it
/// is rewritten (the writer's CPU per heartbeat in bench/ingest/ab.sh).
/// <para>Only the writer thread uses it, and only while nothing else wrote: it is emptied when anything on the writer
/// connection changed rows between two batches (a job: a delete, an acknowledgement, a sweep; <c>total_changes()</c>),
/// when another connection or process committed (<c>PRAGMA data_version</c>), and when a batch fails. A row is kept only
/// when a report rewrote exactly the columns <see cref="BatchCommands.Store"/> writes; any other write to it drops it.</para>
/// </summary>
internal sealed class TargetStateCache(SqliteConnection writer, int capacity) : IDisposable
{
    private readonly Dictionary<(string Repo, string Server), StoredState> _rows = new();
    // Both counters in one statement, through Microsoft.Data.Sqlite like every other (the server's one SQLite API).
    private readonly SqliteCommand _counters = BatchCommands.Prepared(writer, "SELECT data_version, total_changes() FROM pragma_data_version");
    private long _version = -1;
    private long _changes = -1;

    /// <summary>Before a batch: drops every row if anything but the writer's own batches wrote since the last one committed.</summary>
    public void Validate()
    {
        var (version, changes) = Counters();
        if (version != _version || changes != _changes)
        {
            _rows.Clear();
            _version = version;
        }
    }

    /// <summary>After a batch committed: the rows it kept are the database's.</summary>
    public void Committed()
    {
        try
        {
            _changes = Counters().Changes;
        }
        catch (SqliteException)
        {
            // The batch is committed whatever this says (its reports must not be answered as failed): keep nothing instead.
            Clear();
        }
    }

    /// <summary>A batch failed (rolled back): nothing kept of it, nor of the batches before, is trusted.</summary>
    public void Clear()
    {
        _rows.Clear();
        _changes = -1;
    }

    public StoredState? Find(string repo, string server) => _rows.GetValueOrDefault((repo, server));

    /// <summary>Keeps <paramref name="row"/> as the target's row, unless <c>capacity</c> rows are kept (those stay: no churn).</summary>
    public void Keep(string repo, string server, StoredState row)
    {
        if (_rows.Count < capacity)
            _rows[(repo, server)] = row;
    }

    public void Forget(string repo, string server) => _rows.Remove((repo, server));

    public void Dispose() => _counters.Dispose();

    private (long Version, long Changes) Counters()
    {
        using var row = _counters.ExecuteReader();
        row.Read();
        return (row.GetInt64(0), row.GetInt64(1));
    }
}
