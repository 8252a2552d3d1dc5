using System.Threading.Channels;
using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Writing;

/// <summary>
/// Group commit: requests enqueue their report and wait; a writer thread (one on SQLite, <see cref="IStatusStore.WriterThreads"/>) drains whatever has queued up
/// and commits it as one durable transaction, then answers every waiter. Under load one fsync
/// covers many reports, so durability does not cap throughput; idle, a lone report commits at once.
/// <para>A singleton disposed after the web server has stopped, so requests still in flight at
/// SIGTERM are committed and answered before the database closes.</para>
/// </summary>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    private const int MaxBatch = 1024;

    private readonly Channel<Pending> _queue;
    // Other writes (deletes, pruning, the stale sweep, notification claims): short transactions run
    // on the same thread between batches, so SQLite never sees two writers and ingestion never waits on a lock
    // (PostgreSQL takes IStatusStore.WriterThreads of them, each with its batch in flight: the database's row locks
    // order them, as they order other replicas).
    private readonly Channel<WriteJob> _jobs;
    private readonly IStatusStore _store;
    private readonly ILogger<GroupCommitWriter> _logger;
    // Set by every producer after it queues (a report, a job, or the end); the writer sleeps on it when both queues are
    // empty. No spinning: a blocked Task.Wait spins through sched_yield, taking CPU the request threads need; a futex
    // wake-up once per batch costs less (bench/ingest/ab.sh).
    private readonly ManualResetEventSlim _work = new(false, spinCount: 0);
    private int _running;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GroupCommitWriter(IStatusStore store, ILogger<GroupCommitWriter> logger)
    {
        _store = store;
        _logger = logger;
        var threads = store.WriterThreads;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(16 * MaxBatch)
        {
            SingleReader = threads == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _jobs = Channel.CreateUnbounded<WriteJob>(new UnboundedChannelOptions { SingleReader = threads == 1 });
        _running = threads;
        for (var i = 0; i < threads; i++)
            new Thread(Run) { IsBackground = true, Name = $"group-commit writer {i}" }.Start();
    }

    public bool IsRunning => !_stopped.Task.IsCompleted;

    /// <summary>
    /// Why the last write failed (disk full, read-only, locked, unreachable: a report batch's or a background job's),
    /// or null once a report batch, or a probe twice as large as the report that failed, commits again.
    /// </summary>
    public string? StorageFault { get; private set; }

    // Twice the largest report's JSON of the batch that failed: a report also writes its row's other columns, a history event
    // and its drift bookkeeping, so a probe that writes less could fit where that report did not (a one-page probe answered
    // ready in 4 of 6 tries on a full disk while reports got 507; one of the JSON's size once in ResourceFaultTests).
    private int _faultBytes;

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// True when the store can take writes: no fault, or a probe write on the writer thread succeeds now, as large as
    /// the report that failed (so a server that was full or read-only turns ready again by itself once it is not).
    /// </summary>
    public async Task<bool> IsWritableAsync()
    {
        if (StorageFault is null)
            return true;
        var bytes = _faultBytes;
        try
        {
            // Bounded: behind a locked database the writer waits out its busy timeout, and a probe must not wait with it.
            await RunAsync(store =>
            {
                store.ProbeWrite(bytes);
                return true;
            }).WaitAsync(ProbeTimeout);
            Recovered();
            return true;
        }
        catch (Exception e) when (StoreErrors.IsStorageFault(e) || e is ShuttingDownException)
        {
            return false;
        }
    }

    /// <summary>A background write failed: if storage did, the server is not ready until a write succeeds again.</summary>
    private void JobFailed(Exception e)
    {
        if (!StoreErrors.IsStorageFault(e))
            return;
        if (StorageFault is null)
            _logger.LogError("Storage fault in {Path}: {Reason}. /readyz is not ready until a write succeeds again", _store, StoreErrors.Describe(e));
        StorageFault = StoreErrors.Describe(e);
    }

    /// <summary>Completes once the report's batch is committed (or failed); throws <see cref="ShuttingDownException"/> after shutdown began.</summary>
    public async Task<IngestResult> SubmitAsync(IncomingReport report, CancellationToken cancellationToken)
    {
        // Continuations run synchronously, on the thread-pool item that answers the batch (see Answer).
        var pending = new Pending(report, new TaskCompletionSource<IngestResult>());
        try
        {
            // The request that queues wakes the writer itself: one wake-up, not a thread-pool item that then wakes it.
            if (!_queue.Writer.TryWrite(pending))
                await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ShuttingDownException();
        }
        _work.Set();
        return await pending.Done.Task;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the writer thread, between report batches, with the store's
    /// writer connection to itself; the work opens and commits its own short transaction.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<IStatusStore, T> work)
    {
        var job = new WriteJob(store => work(store), new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_jobs.Writer.TryWrite(job))
            throw new ShuttingDownException();
        _work.Set();
        return (T)(await job.Done.Task)!;
    }

    // Entered once and looped in for the server's life: tiered compilation would leave it at its first, unoptimised tier.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        var batch = new List<Pending>(MaxBatch);
        var reports = new List<IncomingReport>(MaxBatch);
        try
        {
            while (WaitForWork())
            {
                batch.Clear();
                reports.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                    reports.Add(pending.Report);
                }
                if (batch.Count > 0)
                    Commit(batch, reports);
                // One job per round: a burst of jobs cannot hold reports back by more than one short transaction.
                if (_jobs.Reader.TryRead(out var job) && job.Run(_store) is { } failed)
                    JobFailed(failed);
            }
        }
        finally
        {
            if (Interlocked.Decrement(ref _running) == 0)
                _stopped.TrySetResult();
        }
    }

    /// <summary>Blocks until a report or a job is queued (true), or both queues are closed and drained (false).</summary>
    private bool WaitForWork()
    {
        while (true)
        {
            if (HasWork(out var ended))
                return true;
            if (ended)
                return false;
            _work.Reset();
            // Looked at again after the reset: whatever was queued before it is seen here, whatever after it sets the event.
            if (HasWork(out ended))
                return true;
            if (ended)
                return false;
            _work.Wait();
        }
    }

    private bool HasWork(out bool ended)
    {
        ended = _queue.Reader.Completion.IsCompleted && _jobs.Reader.Completion.IsCompleted;
        return _queue.Reader.TryPeek(out _) || _jobs.Reader.TryPeek(out _);
    }

    private void Commit(List<Pending> batch, List<IncomingReport> reports)
    {
        IngestResult[]? results = null;
        Exception? failure = null;
        try
        {
            results = _store.ApplyBatch(reports);
            Recovered();
        }
        catch (Exception e)
        {
            // A full disk, a lost database connection: nothing of the batch is acknowledged (each request
            // answers 507 or 503 and its sender retries); the next batch tries afresh.
            // Logged once per fault, not once per batch: a full disk must not also flood the log.
            failure = e;
            if (!StoreErrors.IsStorageFault(e))
            {
                // Not the storage (a constraint, a refused statement, a bug): this batch fails, readiness stays.
                _logger.LogError(e, "A batch of {Count} reports failed and was not stored ({Reason}); the store itself takes writes", reports.Count, e.Message);
            }
            else
            {
                if (StorageFault is null)
                    _logger.LogError(e, "Storage fault in {Path}: {Reason}. Reports are refused (507/503) and /readyz is not ready until a write succeeds again; nothing acknowledged is lost",
                        _store, StoreErrors.Describe(e));
                StorageFault = StoreErrors.Describe(e);
                _faultBytes = 2 * reports.Max(r => r.CanonicalJson.Length);
            }
        }
        Answer(batch.ToArray(), results, failure);
    }

    /// <summary>
    /// Hands the batch's answers to the thread pool in one work item per core, each completing its share of the
    /// waiters (whose continuations write the responses there): one wake-up per core per batch instead of one per
    /// request, and the writer thread goes straight back to the queue.
    /// </summary>
    private static void Answer(Pending[] batch, IngestResult[]? results, Exception? failure)
    {
        var share = Math.Max(4, (batch.Length + Environment.ProcessorCount - 1) / Environment.ProcessorCount);
        for (var start = 0; start < batch.Length; start += share)
        {
            var (from, to) = (start, Math.Min(batch.Length, start + share));
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                for (var i = from; i < to; i++)
                {
                    if (failure is null)
                        batch[i].Done.TrySetResult(results![i]);
                    else
                        batch[i].Done.TrySetException(failure);
                }
            }, null);
        }
    }

    private void Recovered()
    {
        if (StorageFault is null)
            return;
        _logger.LogWarning("Storage in {Path} takes writes again (was: {Reason})", _store, StorageFault);
        StorageFault = null;
    }

    /// <summary>Stops taking reports, commits what is queued, then returns.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        _jobs.Writer.TryComplete();
        _work.Set();
        // _work is not disposed: a request that queued just before the end may still set it.
        await _stopped.Task;
    }

    private sealed record Pending(IncomingReport Report, TaskCompletionSource<IngestResult> Done);

    private sealed record WriteJob(Func<IStatusStore, object?> Work, TaskCompletionSource<object?> Done)
    {
        /// <summary>Runs the job; returns what it threw (also handed to its caller, which logs and retries), or null.</summary>
        public Exception? Run(IStatusStore store)
        {
            try
            {
                Done.TrySetResult(Work(store));
                return null;
            }
            catch (Exception e)
            {
                Done.TrySetException(e);
                return e;
            }
        }
    }
}

/// <summary>The server is stopping and takes no more reports.</summary>
public sealed class ShuttingDownException() : Exception("The server is shutting down.");
