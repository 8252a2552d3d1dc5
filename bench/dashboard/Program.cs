// Measures the dashboard page against a running server: seeds N targets over POST /api/status,
// then times GET / (and a few filtered views) as the server reports it (Server-Timing: render) and
// as the client sees it, with the bytes sent. Writes a Markdown section into bench/results/read.md.
// Usage: dotnet run -c Release -- <base-url> <targets> <results-file>   (run.sh does all of it)
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

var baseUrl = new Uri(args[0]);
var targets = int.Parse(args[1], CultureInfo.InvariantCulture);
var resultsFile = args[2];
using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };

var seeding = Stopwatch.StartNew();
var now = DateTimeOffset.UtcNow;
await Parallel.ForAsync(0, targets, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
{
    // 100 repos × N/100 servers; about 1 in 12 out of sync, 1 in 50 unknown, 1 in 40 stale.
    var (repo, server) = ($"team-{i % 100:00}/config", $"host-{i / 100:0000}");
    var status = i % 12 == 0 ? "OUT_OF_SYNC" : i % 50 == 1 ? "UNKNOWN" : "SYNCED";
    var at = i % 40 == 3 ? now.AddHours(-2) : now.AddSeconds(-(i % 100));
    var files = status == "OUT_OF_SYNC"
        ? new object[] { new { name = "etc/rsyslog.conf", change = "modified", diff = "--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n" }, new { name = "etc/motd", change = "missing" } }
        : [];
    var body = JsonSerializer.Serialize(new
    {
        repo, server, sync_status = status, drift_count = files.Length, files, last_check = at.ToString("O"),
        revision = "4f2c1d9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a392", source = "cron", interval_seconds = status == "UNKNOWN" ? (int?)null : 120,
        error = status == "UNKNOWN" ? "ssh: connect to host port 22: Connection refused" : null,
    });
    using var response = await http.PostAsync(new Uri("/api/status", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), ct);
    response.EnsureSuccessStatusCode();
});
seeding.Stop();
Console.WriteLine($"seeded {targets} targets in {seeding.Elapsed.TotalSeconds:0.0} s");

string[] views = ["/", "/?status=OUT_OF_SYNC", "/?q=host-0042", "/?sort=check&dir=desc&page=5", "/targets/host-0000/team-00/config"];
var rows = new List<string>();
foreach (var view in views)
{
    for (var i = 0; i < 40; i++)
        await Get(view); // warm-up: JIT (tiered compilation settles after ~30 calls), page cache, connection pool
    var server = new List<double>();
    var client = new List<double>();
    long bytes = 0;
    for (var i = 0; i < 50; i++)
    {
        var (serverMs, clientMs, length) = await Get(view);
        server.Add(serverMs);
        client.Add(clientMs);
        bytes = length;
    }
    var row = $"| `{view}` | {P(server, 50):0.0} | {P(server, 95):0.0} | {P(client, 50):0.0} | {P(client, 95):0.0} | {bytes / 1024.0:0} KiB |";
    Console.WriteLine(row);
    rows.Add(row);
}

var section = new StringBuilder()
    .AppendLine("<!-- dashboard:start -->")
    .AppendLine("## Dashboard page (`GET /`)")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"{targets:N0} targets (100 repos; ~8 % OUT_OF_SYNC, 2 % UNKNOWN, 2.5 % STALE), SQLite, Release build, loopback, 50 requests per view after 40 warm-up (so tiered JIT has settled: steady state, as a long-running server sees).")
    .AppendLine("Server time is the page's own `Server-Timing: render` (read all targets, derive status, filter, sort, render one page of 500 rows);")
    .AppendLine("client time adds Kestrel, the socket and reading the body. Target: under 100 ms server time for `/`.")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Run: `bench/dashboard/run.sh {targets}` on {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}; seeding took {seeding.Elapsed.TotalSeconds:0.0} s.")
    .AppendLine()
    .AppendLine("| view | server p50 ms | server p95 ms | client p50 ms | client p95 ms | body |")
    .AppendLine("| --- | --- | --- | --- | --- | --- |");
foreach (var row in rows)
    section.AppendLine(row);
section.Append("<!-- dashboard:end -->");

var text = File.Exists(resultsFile) ? await File.ReadAllTextAsync(resultsFile) : "# Read-side benchmarks\n";
var start = text.IndexOf("<!-- dashboard:start -->", StringComparison.Ordinal);
var end = text.IndexOf("<!-- dashboard:end -->", StringComparison.Ordinal);
text = start >= 0 && end > start
    ? text[..start] + section + text[(end + "<!-- dashboard:end -->".Length)..]
    : text.TrimEnd() + "\n\n" + section + "\n";
await File.WriteAllTextAsync(resultsFile, text);
Console.WriteLine($"wrote {resultsFile}");

async Task<(double ServerMs, double ClientMs, long Bytes)> Get(string path)
{
    var watch = Stopwatch.StartNew();
    using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
    var body = await response.Content.ReadAsByteArrayAsync();
    watch.Stop();
    response.EnsureSuccessStatusCode();
    var timing = response.Headers.GetValues("Server-Timing").Single();
    var serverMs = double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture);
    return (serverMs, watch.Elapsed.TotalMilliseconds, body.Length);
}

static double P(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
}
