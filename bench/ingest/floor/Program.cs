// The floor under POST /api/status on this machine (bench/ingest/floor.sh): a minimal ASP.NET Core app that reads and
// parses the report and answers, with no store (FLOOR_MODE=plain); with a writer thread each request hands its report to
// and waits for, as GroupCommitWriter does (writer); and with that writer also writing one 4 KiB page per report and
// fsyncing once per batch, as SQLite's WAL does (fsync). What gitops-status spends above these is its own logic.
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

var mode = Environment.GetEnvironmentVariable("FLOOR_MODE") ?? "plain";
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, FloorJson.Default));
var app = builder.Build();
using var writer = mode == "plain" ? null : new Writer(mode == "fsync", Environment.GetEnvironmentVariable("FLOOR_DIR") ?? Path.GetTempPath());
app.MapGet("/healthz", () => "ok");
app.MapPost("/api/status", async (HttpRequest request) =>
{
    using var report = await JsonDocument.ParseAsync(request.Body);
    var repo = report.RootElement.GetProperty("repo").GetString()!;
    var server = report.RootElement.GetProperty("server").GetString()!;
    if (writer is not null)
        await writer.SubmitAsync();
    return TypedResults.Ok(new Answer("stored", repo, server));
});
app.Run();

internal sealed record Answer(string Outcome, string Repo, string Server);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Answer))]
internal sealed partial class FloorJson : JsonSerializerContext;

/// <summary>GroupCommitWriter's shape without SQLite: a queue, a writer thread woken by an event, answers handed to the thread pool per core.</summary>
internal sealed class Writer : IDisposable
{
    private const int Ring = 1024; // pages the log file wraps around, as a checkpointed WAL is reused
    private readonly ConcurrentQueue<TaskCompletionSource> _queue = new();
    private readonly ManualResetEventSlim _work = new(false, spinCount: 0);
    private readonly FileStream? _log;

    public Writer(bool fsync, string dir)
    {
        if (fsync)
            _log = new FileStream(Path.Combine(dir, "floor.log"), FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 0, FileOptions.DeleteOnClose);
        new Thread(Run) { IsBackground = true, Name = "floor writer" }.Start();
    }

    public void Dispose()
    {
        _log?.Dispose();
        _work.Dispose();
    }

    public Task SubmitAsync()
    {
        var done = new TaskCompletionSource();
        _queue.Enqueue(done);
        _work.Set();
        return done.Task;
    }

    private void Run()
    {
        var batch = new List<TaskCompletionSource>();
        var page = new byte[4096];
        long next = 0;
        while (true)
        {
            _work.Reset();
            while (_queue.TryDequeue(out var pending))
                batch.Add(pending);
            if (batch.Count == 0)
            {
                if (_queue.IsEmpty)
                    _work.Wait();
                continue;
            }
            if (_log is not null)
            {
                foreach (var _ in batch)
                {
                    RandomAccess.Write(_log.SafeFileHandle, page, next * page.Length);
                    next = (next + 1) % Ring;
                }
                _log.Flush(flushToDisk: true);
            }
            var answered = batch.ToArray();
            batch.Clear();
            var share = Math.Max(4, (answered.Length + Environment.ProcessorCount - 1) / Environment.ProcessorCount);
            for (var start = 0; start < answered.Length; start += share)
            {
                var (from, to) = (start, Math.Min(answered.Length, start + share));
                ThreadPool.UnsafeQueueUserWorkItem(_ =>
                {
                    for (var i = from; i < to; i++)
                        answered[i].TrySetResult();
                }, null);
            }
        }
    }
}
