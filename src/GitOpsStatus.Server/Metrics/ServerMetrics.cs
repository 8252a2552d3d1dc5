using System.Collections.Concurrent;

namespace GitOpsStatus.Server.Metrics;

/// <summary>
/// The process's own counters (the per-target families are read from the store at scrape time):
/// reports by outcome, rejections by reason, HTTP requests by route, method and code. Lock-free.
/// </summary>
public sealed class ServerMetrics
{
    public static readonly string[] Outcomes = ["stored", "unchanged", "superseded", "failed"];

    /// <summary>Why a report was refused, by HTTP status.</summary>
    public static readonly IReadOnlyDictionary<int, string> RejectionReasons = new Dictionary<int, string>
    {
        [400] = "malformed",
        [401] = "unauthorized",
        [403] = "forbidden",
        [413] = "too_large",
        [415] = "unsupported_media_type",
        [422] = "invalid",
        [429] = "rate_limited",
    };

    /// <summary>Upper bounds of the request-duration histogram, in seconds.</summary>
    public static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _outcomes = new long[Outcomes.Length];
    private readonly ConcurrentDictionary<string, StrongBox> _rejections = new(
        RejectionReasons.Values.Append("other").Select(r => KeyValuePair.Create(r, new StrongBox())));
    private readonly ConcurrentDictionary<(string Route, string Method, int Code), HttpSeries> _http = new();

    public void CountOutcome(string outcome)
    {
        var i = Array.IndexOf(Outcomes, outcome);
        if (i >= 0)
            Interlocked.Increment(ref _outcomes[i]);
    }

    public void CountRejection(int statusCode) =>
        Interlocked.Increment(ref _rejections.GetOrAdd(RejectionReasons.GetValueOrDefault(statusCode, "other"), _ => new StrongBox()).Value);

    public void CountRequest(string route, string method, int code, TimeSpan duration) =>
        _http.GetOrAdd((route, method, code), _ => new HttpSeries()).Observe(duration.TotalSeconds);

    public IEnumerable<(string Outcome, long Count)> OutcomeCounts() => Outcomes.Select((o, i) => (o, Interlocked.Read(ref _outcomes[i])));

    public IEnumerable<(string Reason, long Count)> RejectionCounts() =>
        _rejections.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, Interlocked.Read(ref r.Value.Value)));

    public IEnumerable<((string Route, string Method, int Code) Key, HttpSeries Series)> HttpSeriesSorted() =>
        _http.OrderBy(s => s.Key.Route, StringComparer.Ordinal).ThenBy(s => s.Key.Method, StringComparer.Ordinal).ThenBy(s => s.Key.Code)
            .Select(s => (s.Key, s.Value));

    private sealed class StrongBox
    {
        public long Value;
    }

    /// <summary>A histogram of one route/method/code; observations are counted with Interlocked, the sum under a tiny lock.</summary>
    public sealed class HttpSeries
    {
        private readonly long[] _buckets = new long[DurationBuckets.Length];
        private readonly Lock _sumLock = new();
        private long _count;
        private double _sum;

        public void Observe(double seconds)
        {
            var i = Array.FindIndex(DurationBuckets, b => seconds <= b);
            if (i >= 0)
                Interlocked.Increment(ref _buckets[i]);
            Interlocked.Increment(ref _count);
            lock (_sumLock)
                _sum += seconds;
        }

        /// <summary>Cumulative bucket counts (Prometheus <c>le</c> semantics), then the count and the sum.</summary>
        public (long[] Cumulative, long Count, double Sum) Snapshot()
        {
            var cumulative = new long[_buckets.Length];
            long running = 0;
            for (var i = 0; i < _buckets.Length; i++)
                cumulative[i] = running += Interlocked.Read(ref _buckets[i]);
            lock (_sumLock)
                return (cumulative, Interlocked.Read(ref _count), _sum);
        }
    }
}
