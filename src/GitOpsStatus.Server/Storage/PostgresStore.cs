using System.Text;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Targets;
using Npgsql;
using NpgsqlTypes;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// The scale-out store: PostgreSQL, shared by any number of server replicas (the rules are those of
/// <see cref="IStatusStore"/>). Each replica's group-commit writer sends a whole batch as ONE statement:
/// arrays of every column, unnested into a conditional upsert whose <c>WHERE</c> keeps the newest report,
/// with the history event and the notifications inserted from its <c>RETURNING</c> rows in the same
/// statement. PostgreSQL takes every decision on the locked, latest row, so replicas racing on one target
/// cannot both win, nor both record the change. Autocommit with <c>synchronous_commit=on</c>: when the
/// statement returns, the batch is durable.
/// </summary>
public sealed partial class PostgresStore : IStatusStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ServerOptions _options;
    private readonly string _where;
    private readonly string _ingestSql;

    public string Kind => "postgresql";

    /// <summary>Two batches in flight per replica: one commits (waits on the WAL flush) while the next gathers and runs.</summary>
    public int WriterThreads => 2;

    public PostgresStore(NpgsqlConnectionStringBuilder connection, ServerOptions options)
    {
        _options = options;
        _where = PostgresConnection.Describe(connection);
        _dataSource = NpgsqlDataSource.Create(connection);
        _ingestSql = IngestSql(notify: options.WebhookUrls.Count > 0, options.Notices);
        try
        {
            PostgresSchema.Migrate(_dataSource);
        }
        catch
        {
            _dataSource.Dispose();
            throw;
        }
    }

    public override string ToString() => _where;

    public IngestResult[] ApplyBatch(IReadOnlyList<IncomingReport> batch)
    {
        // One row per target (ON CONFLICT may touch a row once per statement): the newest, and of equal
        // times the later one; sorted by key, so two replicas' batches lock shared targets in one order.
        var keep = new Dictionary<(string, string), int>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            var key = (batch[i].Report.Repo!, batch[i].Report.Server!);
            if (!keep.TryGetValue(key, out var j) || batch[i].LastCheck >= batch[j].LastCheck)
                keep[key] = i;
        }
        var rows = keep.Values.Order(Comparer<int>.Create((a, b) => CompareKeys(batch[a], batch[b]))).ToArray();

        var stored = WithRetry(() => Upsert(batch, rows));
        var latest = new Dictionary<(string, string), (long LastCheck, byte[]? Hash)>(rows.Length);
        var missing = rows.Where(i => !stored.ContainsKey(Key(batch[i]))).ToArray();
        if (missing.Length > 0)
            latest = ReadLatest(batch, missing);

        var results = new IngestResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var incoming = batch[i];
            var key = Key(incoming);
            var kept = batch[keep[key]];
            if (stored.TryGetValue(key, out var recorded) && ReferenceEquals(kept, incoming))
                results[i] = new IngestResult(IngestOutcome.Stored, recorded.Changes.Length > 0, incoming.LastCheck,
                    TargetRules.IsStatusChange(recorded.Changes) ? new StatusChange(recorded.FromStatus) : null);
            else
                results[i] = Outcome(incoming, stored.ContainsKey(key) ? (kept.LastCheck.ToUnixTimeMilliseconds(), kept.Hash) : latest.GetValueOrDefault(key));
        }
        return results;
    }

    /// <summary>Unchanged when the target holds this very report; otherwise superseded by what it holds.</summary>
    private static IngestResult Outcome(IncomingReport incoming, (long LastCheck, byte[]? Hash) held) =>
        held.Hash is not null && held.LastCheck == incoming.LastCheck.ToUnixTimeMilliseconds() && held.Hash.AsSpan().SequenceEqual(incoming.Hash)
            ? new IngestResult(IngestOutcome.Unchanged, false, incoming.LastCheck)
            : new IngestResult(IngestOutcome.Superseded, false, DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(held.LastCheck, incoming.LastCheck.ToUnixTimeMilliseconds())));

    /// <summary>Runs the batch statement; returns the targets it wrote, each with what changed (its history event's reason, "" for none) and the status before.</summary>
    private Dictionary<(string, string), (string Changes, string? FromStatus)> Upsert(IReadOnlyList<IncomingReport> batch, int[] rows)
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand(_ingestSql, connection);
        var n = rows.Length;
        T[] Column<T>(Func<IncomingReport, T> of)
        {
            var values = new T[n];
            for (var i = 0; i < n; i++)
                values[i] = of(batch[rows[i]]);
            return values;
        }
        Add(command, "repo", NpgsqlDbType.Text, Column(r => r.Report.Repo!));
        Add(command, "server", NpgsqlDbType.Text, Column(r => r.Report.Server!));
        Add(command, "status", NpgsqlDbType.Text, Column(r => r.Report.SyncStatus!));
        Add(command, "count", NpgsqlDbType.Integer, Column(r => (int)(r.Report.DriftCount ?? 0)));
        Add(command, "files", NpgsqlDbType.Text, Column(r => r.FilesJoined));
        Add(command, "key", NpgsqlDbType.Text, Column(r => r.DriftKey));
        Add(command, "last_check", NpgsqlDbType.Bigint, Column(r => r.LastCheck.ToUnixTimeMilliseconds()));
        Add(command, "received_at", NpgsqlDbType.Bigint, Column(r => r.ReceivedAt.ToUnixTimeMilliseconds()));
        Add(command, "revision", NpgsqlDbType.Text, Column(r => r.Report.Revision));
        Add(command, "source", NpgsqlDbType.Text, Column(r => r.Report.Source));
        Add(command, "interval", NpgsqlDbType.Bigint, Column(r => r.Report.IntervalSeconds));
        Add(command, "error", NpgsqlDbType.Text, Column(r => r.Report.Error));
        Add(command, "hash", NpgsqlDbType.Bytea, Column(r => r.Hash));
        Add(command, "report", NpgsqlDbType.Text, Column(r => Encoding.UTF8.GetString(r.CanonicalJson)));
        Add(command, "alert", NpgsqlDbType.Text, Column(AlertOf));
        Add(command, "detection", NpgsqlDbType.Text, Column(r => r.Report.Detection));
        Add(command, "detection_error", NpgsqlDbType.Text, Column(r => r.DetectionError));
        Add(command, "cause", NpgsqlDbType.Text, Column(r => r.Cause));
        Add(command, "files_json", NpgsqlDbType.Text, _options.WebhookUrls.Count > 0
            ? Column(r => Transition.FilesJsonOf(r.Report.Files?.Select(f => f.Name!) ?? []))
            : new string[n]);
        Add(command, "content_key", NpgsqlDbType.Text, Column(r => r.ContentKey));
        Add(command, "drift_files", NpgsqlDbType.Text, Column(r => r.Names.Length == 0 ? null : string.Join('\n', r.Names)));
        command.Parameters.AddWithValue("stale_ms", StaleMs);
        if (_options.WebhookUrls.Count > 0)
            Add(command, "urls", NpgsqlDbType.Text, _options.WebhookUrls.ToArray());

        var stored = new Dictionary<(string, string), (string, string?)>(n);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            stored[(reader.GetString(0), reader.GetString(1))] = (reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
        return stored;
    }

    /// <summary>The status to announce for this report: STALE if it arrived already past its stale limit.</summary>
    private string AlertOf(IncomingReport r) =>
        TargetRules.IsStale(r.ReceivedAt.ToUnixTimeMilliseconds(), r.LastCheck.ToUnixTimeMilliseconds(), r.Report.IntervalSeconds, _options.StaleAfter)
            ? Core.Reports.SyncStatus.Stale
            : r.Report.SyncStatus!;

    /// <summary>What the targets not written hold now (after the upsert, so a concurrent newer write is seen).</summary>
    private Dictionary<(string, string), (long, byte[]?)> ReadLatest(IReadOnlyList<IncomingReport> batch, int[] rows)
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand("""
            SELECT t.repo, t.server, t.last_check, t.report_hash
            FROM unnest(@repo, @server) AS i(repo, server) JOIN targets t ON t.repo = i.repo AND t.server = i.server
            """, connection);
        Add(command, "repo", NpgsqlDbType.Text, rows.Select(i => batch[i].Report.Repo!).ToArray());
        Add(command, "server", NpgsqlDbType.Text, rows.Select(i => batch[i].Report.Server!).ToArray());
        var latest = new Dictionary<(string, string), (long, byte[]?)>(rows.Length);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            latest[(reader.GetString(0), reader.GetString(1))] = (reader.GetInt64(2), (byte[])reader.GetValue(3));
        return latest;
    }

    /// <summary>
    /// A deadlock or serialization failure rolled the statement back whole: run it again (twice at most).
    /// A lost connection is not retried here: whether it committed is unknown, so the request answers 503
    /// and the sender's retry finds the report stored or stores it. The pool is cleared so the next batch
    /// opens fresh connections instead of finding more dead ones.
    /// </summary>
    private T WithRetry<T>(Func<T> work)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return work();
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
            }
            catch (NpgsqlException e) when (e is not PostgresException || e.IsTransient)
            {
                _dataSource.Clear();
                throw;
            }
        }
    }

    private long StaleMs => (long)_options.StaleAfter.TotalMilliseconds;

    private static int CompareKeys(IncomingReport a, IncomingReport b)
    {
        var byRepo = string.CompareOrdinal(a.Report.Repo, b.Report.Repo);
        return byRepo != 0 ? byRepo : string.CompareOrdinal(a.Report.Server, b.Report.Server);
    }

    private static (string, string) Key(IncomingReport r) => (r.Report.Repo!, r.Report.Server!);

    private static void Add<T>(NpgsqlCommand command, string name, NpgsqlDbType type, T[] values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await using var command = _dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            if (e is NpgsqlException { IsTransient: true })
                _dataSource.Clear();
            return false;
        }
    }

    public void Dispose() => _dataSource.Dispose();
}
