namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Where targets, their history and the notification outbox live. Two implementations: the embedded
/// <see cref="SqliteStore"/> (one file, one server instance) and <see cref="PostgresStore"/> (any number
/// of server replicas on one database). The rules below hold for both, and across replicas.
/// <list type="bullet">
/// <item><b>Ordering.</b> A target keeps the report with the newest <c>last_check</c>. An older report is
/// <see cref="IngestOutcome.Superseded"/> and changes nothing; an equal <c>last_check</c> with other content
/// replaces the stored one (the later write wins). Within one batch, reports for the same target are
/// applied as if one after the other, in the batch's order.</item>
/// <item><b>Idempotency.</b> The same report again (same <c>last_check</c>, same canonical JSON hash) is
/// <see cref="IngestOutcome.Unchanged"/>: no write, no history event, no notification.</item>
/// <item><b>History.</b> One event per change of status, drifted file set or revision (or going STALE and
/// back), never per heartbeat; each change is recorded once however many replicas saw reports for the
/// target. Event ids only grow per target, so a history page cursor is stable.</item>
/// <item><b>Notifications.</b> Each transition of the announced status is queued once, in the same
/// transaction that made it; each queued row is claimed by one dispatcher at a time (a lease), so it is
/// delivered once unless a dispatcher dies between sending and recording (then again, at least once).
/// The stale sweep and reminders claim per target and transition: two sweeps never announce one twice.</item>
/// <item><b>Durability.</b> When a write method returns, its transaction is committed and survives a
/// crash or power loss (SQLite <c>synchronous=FULL</c>; PostgreSQL <c>synchronous_commit=on</c>). When it
/// throws, nothing of it is stored, or (a connection lost during COMMIT) it may be: callers answer 503 and
/// the sender retries, which is safe because a retry is idempotent.</item>
/// <item><b>Concurrent writers.</b> Each replica calls the write methods from <see cref="WriterThreads"/>
/// threads (its group-commit writer (<c>Writing/GroupCommitWriter</c>)): one for SQLite, which allows one writer and relies on
/// it; several for PostgreSQL, where writers on this and other replicas may interleave: every decision that
/// depends on stored state (newer or not, what changed, whether to announce) is taken by the database on
/// the locked, latest committed row inside the write, never read first and written later.</item>
/// <item><b>Reads</b> run on any thread, beside writes, and see the last committed state, each method one
/// consistent snapshot (so <c>/metrics</c> and <c>/status.json</c> never mix two moments).</item>
/// </list>
/// Times are Unix milliseconds in rows, <see cref="DateTimeOffset"/> at this boundary.
/// </summary>
public interface IStatusStore : IDisposable
{
    /// <summary>Which store this is, for logs and the README: "sqlite" or "postgresql".</summary>
    string Kind { get; }

    /// <summary>How many threads may call the write methods at once.</summary>
    int WriterThreads { get; }

    /// <summary>Stores a batch durably; results are in the batch's order.</summary>
    IngestResult[] ApplyBatch(IReadOnlyList<IncomingReport> batch);

    /// <summary>Forgets a target with its history and its undelivered notifications; false when there was none.</summary>
    bool DeleteTarget(string repo, string server);

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> history events (and delivered or abandoned notifications)
    /// older than <paramref name="cutoff"/>, oldest first; returns how many went. Call again while it returns
    /// at least <paramref name="batchSize"/>.
    /// </summary>
    int PruneHistory(DateTimeOffset cutoff, int batchSize);

    /// <summary>
    /// Marks up to <paramref name="batchSize"/> targets that went STALE since they were last announced: their
    /// announced status becomes STALE, a history event and the notifications are written, in one transaction.
    /// Returns how many; call again while it returns <paramref name="batchSize"/>.
    /// </summary>
    int SweepStale(DateTimeOffset now, int batchSize);

    /// <summary>Queues a reminder for up to <paramref name="batchSize"/> targets OUT_OF_SYNC or STALE and last announced at least <paramref name="every"/> ago.</summary>
    int QueueReminders(DateTimeOffset now, TimeSpan every, int batchSize);

    /// <summary>
    /// Announces up to <paramref name="batchSize"/> debounced changes whose <c>GITOPS_NOTIFY_AFTER</c> passed (if still news) and settles up to
    /// as many flapping targets a whole <c>GITOPS_FLAP_WINDOW</c> without a change (one <c>settled</c> event each), in one transaction per
    /// kind; across replicas each is announced once (<see cref="Targets.TargetRules.Notice"/>). Returns the larger count; call again while it
    /// returns <paramref name="batchSize"/>.
    /// </summary>
    int SweepNotices(DateTimeOffset now, int batchSize);

    /// <summary>Claims up to <paramref name="max"/> due notifications until <paramref name="now"/> + <paramref name="lease"/>, oldest first.</summary>
    List<OutboxItem> ClaimNotifications(DateTimeOffset now, TimeSpan lease, int max);

    /// <summary>Records a delivery attempt: sent, to be retried at <paramref name="retryAt"/>, or (retryAt null) given up; <paramref name="failure"/> says why it failed.</summary>
    void FinishNotification(long id, DateTimeOffset now, bool sent, DateTimeOffset? retryAt, string? failure);

    /// <summary>
    /// A real, harmless write of at least <paramref name="bytes"/> bytes (SQLite; PostgreSQL writes a row) that fails
    /// while the store cannot take writes (disk full, read-only, locked, unreachable).
    /// </summary>
    void ProbeWrite(int bytes);

    /// <summary>True when the database answers a query now.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);

    /// <summary>One page of the dashboard list (<see cref="ListingQuery"/>), derived at <paramref name="now"/>, read by bounded queries.</summary>
    Task<Listing> ReadListingAsync(ListingQuery query, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// A tag of what the target listings show at <paramref name="now"/>: it changes with every committed write (this
    /// replica's or another's) and whenever one more target has gone STALE, so equal tags mean equal listings. Reads
    /// begun after it see at least its data. Reads no target's text, so an ETag costs little however large rows are.
    /// <see cref="ListingTag.Drifting"/>: some target is OUT_OF_SYNC or started drifting within 30 days, so its drift age and
    /// recurrences also change with time alone.
    /// </summary>
    Task<ListingTag> ReadListingTagAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Every target matching the filter, sorted by repo then server, read one row at a time so a caller
    /// streaming 100,000 targets never holds them all.
    /// </summary>
    IEnumerable<TargetRow> EachTarget(TargetFilter filter);

    /// <summary>What <c>/metrics</c> needs of every target, sorted by repo then server, one row at a time.</summary>
    IEnumerable<TargetGauge> EachGauge();

    /// <summary>The target's row and full stored report, or null when no such target.</summary>
    Task<TargetDetail?> ReadTargetAsync(string repo, string server, CancellationToken cancellationToken);

    /// <summary>Whether the target has a stored row, without reading its report.</summary>
    Task<bool> TargetExistsAsync(string repo, string server, CancellationToken cancellationToken);

    /// <summary>One page of targets sorted by repo then server, filtered on the status derived at <paramref name="now"/>.</summary>
    Task<TargetRowPage> ReadTargetPageAsync(TargetQuery query, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Targets per status derived at <paramref name="now"/>, overall and per repo.</summary>
    Task<StatusSummary> ReadSummaryAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> events of the target, newest first, older than the event
    /// <paramref name="beforeId"/> when given (the previous page's <see cref="HistoryPage.NextBeforeId"/>).
    /// </summary>
    Task<HistoryPage> ReadHistoryAsync(string repo, string server, int limit, long? beforeId, CancellationToken cancellationToken);

    /// <summary>Notifications neither sent nor abandoned yet.</summary>
    Task<long> CountPendingNotificationsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Acknowledges the target's drift: records the acknowledgement (ending the one it replaces) and marks the target, in one
    /// transaction, only if the target still holds the report checked at <c>LastCheck</c> and is OUT_OF_SYNC; null otherwise
    /// (it changed since it was read: nothing is stored). Writer thread only.
    /// </summary>
    Ack? Acknowledge(AckRequest a);

    /// <summary>Ends the target's acknowledgement (deleted), with one <c>unacknowledged</c> notification; null when it had none.</summary>
    Ack? Unacknowledge(string repo, string server, DateTimeOffset now);

    /// <summary>
    /// Ends up to <paramref name="batchSize"/> acknowledgements whose <c>until</c> has passed, each with one <c>unacknowledged</c>
    /// notification, in one transaction; across replicas each is ended once. Call again while it returns <paramref name="batchSize"/>.
    /// </summary>
    int SweepAcknowledgements(DateTimeOffset now, int batchSize);

    /// <summary>The target's acknowledgements, newest first, the current one (if any) included: its acknowledgement history.</summary>
    Task<IReadOnlyList<Ack>> ReadAcksAsync(string repo, string server, CancellationToken cancellationToken);
}

/// <summary>What <c>/metrics</c> reads of one target (times in Unix ms).</summary>
public readonly record struct TargetGauge(string Repo, string Server, string SyncStatus, int DriftCount, long LastCheck, long? IntervalSeconds, long? AckUntil = null,
    bool Flapping = false);
