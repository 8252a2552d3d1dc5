using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Targets;
using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode under the data directory, for one server instance
/// (the rules are those of <see cref="IStatusStore"/>).
/// <para>Writes: only one caller (the group-commit writer) calls the write methods, so reading a row and
/// then updating it inside its transaction is race-free here. A batch is one transaction committed with
/// <c>synchronous=FULL</c>. Reads: any thread, on pooled read-only connections; WAL lets them run beside
/// the writer and see the last committed batch.</para>
/// </summary>
public sealed partial class SqliteStore : IStatusStore
{
    private readonly SqliteConnection _writer;
    private readonly BatchCommands _commands;
    private readonly TargetStateCache _known;
    private readonly string _readConnectionString;
    private readonly ServerOptions _options;
    private readonly WalCheckpointer _checkpointer;
    // Listing tags (ReadListingTagAsync): a data_version is only comparable on one connection, and only within this
    // process's life, hence the instance id.
    private readonly Lock _versionLock = new();
    private SqliteCommand? _versionCommand;
    private StaleCount? _staleCount;
    private readonly string _instance = Guid.NewGuid().ToString("N");

    public string DatabasePath { get; }

    private const int WriterCacheKiB = 8 * 1024;

    // Rows the writer keeps (TargetStateCache): bounded, so a large fleet's cache stays small beside the read side's memory budget (bench/read/run.sh).
    private const int KnownTargets = 20_000;

    public string Kind => "sqlite";

    public int WriterThreads => 1;

    public override string ToString() => DatabasePath;

    public SqliteStore(ServerOptions options)
    {
        _options = options;
        Directory.CreateDirectory(options.DataDir);
        DatabasePath = Path.GetFullPath(Path.Combine(options.DataDir, "gitops-status.db"));
        var builder = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = true, DefaultTimeout = 30 };
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _writer = new SqliteConnection(builder.ToString());
        _writer.Open();
        Pragma(_writer, "PRAGMA journal_mode = WAL");
        Pragma(_writer, "PRAGMA synchronous = FULL");
        Pragma(_writer, "PRAGMA busy_timeout = 30000");
        Pragma(_writer, "PRAGMA wal_autocheckpoint = 0");
        // Every report reads and rewrites its target's row: SQLite's default cache already misses at 10,000 targets. Not
        // much larger: the stale sweep and the reminders scan every target on this connection and fill the cache to its
        // cap, which counts against the peak resident set budget at 100,000 targets (bench/read/run.sh).
        Pragma(_writer, $"PRAGMA cache_size = -{WriterCacheKiB}");
        SqliteSchema.Migrate(_writer);
        _commands = new BatchCommands(_writer);
        _known = new TargetStateCache(_writer, KnownTargets);
        _checkpointer = new WalCheckpointer(builder.ToString());
        builder.Mode = SqliteOpenMode.ReadOnly;
        _readConnectionString = builder.ToString();
    }

    /// <summary>Stores a batch in one durable transaction; results are in the batch's order.</summary>
    public IngestResult[] ApplyBatch(IReadOnlyList<IncomingReport> batch)
    {
        var results = new IngestResult[batch.Count];
        // Disposed uncommitted (an exception), the transaction rolls back unless SQLite already did.
        try
        {
            _known.Validate();
            using var tx = _writer.BeginTransaction(deferred: false);
            for (var i = 0; i < batch.Count; i++)
                results[i] = Apply(tx, batch[i]);
            tx.Commit();
        }
        catch
        {
            _known.Clear();
            throw;
        }
        _known.Committed();
        return results;
    }

    private IngestResult Apply(SqliteTransaction tx, IncomingReport incoming)
    {
        var report = incoming.Report;
        var lastCheck = incoming.LastCheck.ToUnixTimeMilliseconds();
        var known = _known.Find(report.Repo!, report.Server!);
        var stored = known ?? _commands.Find(tx, report.Repo!, report.Server!);
        if (stored is not null)
        {
            if (lastCheck < stored.LastCheck)
                return new IngestResult(IngestOutcome.Superseded, false, DateTimeOffset.FromUnixTimeMilliseconds(stored.LastCheck));
            if (lastCheck == stored.LastCheck && incoming.Hash.AsSpan().SequenceEqual(stored.Hash))
                return new IngestResult(IngestOutcome.Unchanged, false, incoming.LastCheck);
        }

        var effects = TargetRules.Apply(
            stored is null ? null : new StoredTarget(stored.SyncStatus, stored.AlertStatus, stored.AlertedAt, stored.LastCheck, stored.StatusSince,
                stored.LastSyncedAt, stored.IntervalSeconds, stored.DriftKey, stored.Revision, stored.AckKey, stored.AckUntil,
                BatchCommands.ParseTimes(stored.FlapTimes), stored.FlappingSince, stored.NotifyDue, stored.NotifyFrom),
            new ReportFacts(report.SyncStatus!, lastCheck, incoming.ReceivedAt.ToUnixTimeMilliseconds(), report.IntervalSeconds, incoming.DriftKey, report.Revision,
                incoming.ContentKey),
            _options.StaleAfter, _options.Notices);
        _commands.Store(tx, stored, incoming, lastCheck, effects.StatusSince, effects.LastSyncedAt, effects.Announced, effects.AnnouncedAt);
        if (effects.Changes.Length > 0)
            _commands.InsertEvent(tx, incoming, lastCheck, effects.Changes, stored, effects.FromStatus);
        if (effects.Notice is { } notice)
            _commands.StoreNotice(tx, report.Repo!, report.Server!, notice);
        // Drift bookkeeping only when the drifted file set changed: a heartbeat or a repeated report writes none of it.
        var driftChanged = stored is null ? incoming.Names.Length > 0 : stored.DriftKey != incoming.DriftKey;
        if (driftChanged)
            _commands.StoreDrift(tx, report.Repo!, report.Server!, TargetRules.NextDrift(
                stored?.DriftFiles?.Split('\n') ?? [], BatchCommands.ParseTimes(stored?.FileStarts) ?? [], BatchCommands.ParseTimes(stored?.DriftStarts),
                incoming.Names, lastCheck), lastCheck);
        if (effects.Deliver is { } deliver)
        {
            var transition = Transition.Of(incoming, effects.AnnouncedBefore, effects.Announced, lastCheck);
            QueueNotifications(tx, deliver == Deliver.Flapping ? transition with { Kind = Transition.Flapping } : transition, incoming.ReceivedAt.ToUnixTimeMilliseconds());
        }
        if (effects.AckEnd is { } why)
        {
            EndAck(tx, stored!.Id, stored.AckId, why, incoming.ReceivedAt.ToUnixTimeMilliseconds());
            if (effects.NotifyAckEnded)
                QueueNotifications(tx, Transition.Of(incoming, effects.Announced, effects.Announced, lastCheck) with { Kind = Transition.Unacknowledged },
                    incoming.ReceivedAt.ToUnixTimeMilliseconds());
        }
        // Kept when Store's update was all this report wrote to its row (a heartbeat), updated last: above, stored is the row before.
        if (stored is not null && effects.Notice is null && effects.AckEnd is null && !driftChanged)
        {
            stored.Rewritten(incoming, lastCheck, effects.StatusSince, effects.LastSyncedAt, effects.Announced, effects.AnnouncedAt);
            if (known is null)
                _known.Keep(report.Repo!, report.Server!, stored);
        }
        else if (known is not null)
            _known.Forget(report.Repo!, report.Server!);
        return new IngestResult(IngestOutcome.Stored, effects.Changes.Length > 0, incoming.LastCheck,
            TargetRules.IsStatusChange(effects.Changes) ? new StatusChange(effects.FromStatus) : null);
    }

    /// <summary>A real write (page 1 of the database, rewritten unchanged) that fails while the disk is full or read-only;
    /// with <paramref name="bytes"/>, that many bytes are committed to a scratch table and deleted again (the table is
    /// made on first use, outside the migrations: it holds nothing between probes). Writer thread only.</summary>
    public void ProbeWrite(int bytes)
    {
        using (var tx = _writer.BeginTransaction(deferred: false))
        {
            using var command = _writer.CreateCommand();
            command.Transaction = tx;
            command.CommandText = "PRAGMA user_version";
            var version = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            command.CommandText = $"PRAGMA user_version = {version}";
            command.ExecuteNonQuery();
            if (bytes > 0)
            {
                command.CommandText = "CREATE TABLE IF NOT EXISTS readiness_probe (data BLOB NOT NULL); INSERT INTO readiness_probe VALUES (zeroblob($bytes))";
                command.Parameters.AddWithValue("$bytes", bytes);
                command.ExecuteNonQuery();
            }
            tx.Commit();
        }
        if (bytes > 0)
        {
            using var tx = _writer.BeginTransaction(deferred: false);
            Execute(tx, "DELETE FROM readiness_probe");
            tx.Commit();
        }
    }

    /// <summary>Opens a read-only pooled connection.</summary>
    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>True when the database answers a query.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = OpenReader();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM pragma_user_version";
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        lock (_versionLock)
        {
            _versionCommand?.Connection?.Dispose();
            _versionCommand?.Dispose();
        }
        _commands.Dispose();
        _known.Dispose();
        _writer.Dispose();
        _checkpointer.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private static void Pragma(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
