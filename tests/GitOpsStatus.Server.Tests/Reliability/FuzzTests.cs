using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CsCheck;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Property-based fuzzing (CsCheck) of the parser, the validator and POST /api/status. Bounded here;
/// <c>FUZZ_SECONDS</c> runs each property for that long instead, <c>FUZZ_BODIES</c> sends the endpoint that many bodies
/// (see bench/fuzz).
/// </summary>
public class FuzzTests
{
    private static readonly DateTimeOffset Now = new(2026, 4, 21, 10, 31, 0, TimeSpan.Zero);
    private static readonly int Seconds = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SECONDS"), out var s) ? s : 0;
    private static readonly long Bodies = long.TryParse(Environment.GetEnvironmentVariable("FUZZ_BODIES"), out var b) ? b : 0;

    [Fact]
    public void The_parser_and_validator_never_throw_and_every_rejection_names_a_field()
    {
        long inputs = 0, bytes = 0;
        FuzzInputs.Any.Sample(body =>
        {
            Interlocked.Increment(ref inputs);
            Interlocked.Add(ref bytes, body.Length);
            var (report, error) = ReportParser.Parse(body);
            Assert.True(report is null ^ error is null);
            if (error is not null)
            {
                Assert.False(string.IsNullOrEmpty(error.Field));
                Assert.False(string.IsNullOrEmpty(error.Message));
                return;
            }
            foreach (var e in ReportValidator.Validate(report!, Now))
            {
                Assert.False(string.IsNullOrEmpty(e.Field));
                Assert.False(string.IsNullOrEmpty(e.Message));
            }
        }, iter: Seconds > 0 ? 1 : 20_000, time: Seconds > 0 ? Seconds : -1, threads: 1);
        Figures.Record($"parser/validator fuzz: {inputs} inputs, {bytes} bytes");
    }

    [Fact]
    public void Reports_that_pass_validation_survive_a_round_trip_unchanged()
    {
        FuzzInputs.MutatedSeed.Sample(body =>
        {
            var (report, _) = ReportParser.Parse(body);
            if (report is null || ReportValidator.Validate(report, Now).Count > 0)
                return;
            var again = ReportParser.Parse(JsonSerializer.SerializeToUtf8Bytes(report, ReportJson.Default.StatusReport)).Report!;
            Assert.Empty(ReportValidator.Validate(again, Now));
            Assert.Equal(JsonSerializer.Serialize(report, ReportJson.Default.StatusReport), JsonSerializer.Serialize(again, ReportJson.Default.StatusReport));
        }, iter: 5_000, threads: 1);
    }

    [Fact]
    public async Task The_endpoint_answers_every_generated_body_with_a_200_or_a_4xx_problem_keeps_earlier_reports_and_every_read_still_answers()
    {
        using var server = new AppServer();
        await server.PostJson(Reports.Synced("fuzz", "sentinel", AppServer.Start.AddMinutes(-1), revision: "keep-me"));
        var sentinel = (await server.StatusJson("?server=sentinel")).ToString();
        long inputs = 0, bytes = 0, accepted = 0;

        await FuzzInputs.Any.SampleAsync(async body =>
        {
            Interlocked.Increment(ref inputs);
            Interlocked.Add(ref bytes, body.Length);
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var response = await server.Client.PostAsync("/api/status", content);

            var code = (int)response.StatusCode;
            Assert.InRange(code, 200, 499);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref accepted);
                return;
            }
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.NotEmpty(problem.GetProperty("errors").EnumerateObject());
        }, iter: Bodies > 0 ? Bodies : Seconds > 0 ? 1 : 3_000, time: Bodies == 0 && Seconds > 0 ? Seconds : -1, threads: 1);

        Assert.Equal(sentinel, (await server.StatusJson("?server=sentinel")).ToString());
        // What was stored must be readable by every reader (a drift_count of 2³¹ was stored, then these answered 500).
        foreach (var path in new[] { "/", "/status.json", "/metrics", "/api/targets", "/api/summary", "/?sort=drift", "/api/targets/n0/hostile/numbers" })
        {
            var read = await server.Client.GetAsync(path);
            Assert.True((int)read.StatusCode is 200 or 404, $"GET {path}: {(int)read.StatusCode}");
        }
        Figures.Record($"endpoint fuzz: {inputs} bodies, {bytes} bytes, {accepted} accepted, no 5xx, sentinel report unchanged, every read answered without a 5xx");
    }
}

/// <summary>Figures for docs/reliability.md: appended to <c>RELIABILITY_FIGURES</c> when it is set.</summary>
internal static class Figures
{
    private static readonly Lock Gate = new();

    public static void Record(string line)
    {
        if (Environment.GetEnvironmentVariable("RELIABILITY_FIGURES") is not { Length: > 0 } path)
            return;
        lock (Gate)
            File.AppendAllText(path, line + Environment.NewLine);
    }
}
