using System.IO.Pipelines;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Status;
using GitOpsStatus.Server.Storage;
using Microsoft.Extensions.Configuration;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// <c>/status.json</c> hands its body to the pipe as it writes, not once at the end: with small rows the JSON writer's own
/// pending bytes never reach the flush size (it passes each full buffer on), and a 100,000-target body was held whole.
/// </summary>
public sealed class StatusJsonStreamingTests
{
    [Fact]
    public async Task The_body_reaches_the_output_in_pieces_of_about_the_flush_size_not_at_the_end()
    {
        var now = DateTimeOffset.UtcNow;
        var at = now.AddMinutes(-1).ToUnixTimeMilliseconds();
        var rows = Enumerable.Range(0, 10_000).Select(i =>
            new TargetRow("team/config", $"host-{i:D5}", "SYNCED", 0, "", at, at, at, at, "4f2a9c1", "check", 120, null));
        var output = new FlushRecorder();
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));

        await StatusJsonApi.WriteAsync(pipe, rows, now, now, ServerOptions.From(new ConfigurationBuilder().Build()), [], CancellationToken.None);
        await pipe.FlushAsync();

        Assert.True(output.Length > 2_000_000, $"body of {output.Length} bytes");
        Assert.True(output.Flushes.Count > output.Length / (64 * 1024), $"{output.Flushes.Count} flushes for {output.Length} bytes");
        var largest = output.Flushes.Zip(output.Flushes.Skip(1), (a, b) => b - a).Prepend(output.Flushes[0]).Max();
        Assert.True(largest <= 64 * 1024, $"{largest} bytes handed over at once");
    }

    /// <summary>A stream that remembers its length at each flush (the pipe flushes it once per FlushAsync).</summary>
    private sealed class FlushRecorder : MemoryStream
    {
        public List<long> Flushes { get; } = [];

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes.Add(Length);
            return Task.CompletedTask;
        }
    }
}
