using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Cli.Tests.Fixtures;

namespace GitOpsStatus.Cli.Tests;

/// <summary><c>gitops-status ack</c> against a real status server.</summary>
public sealed class AckTests : IDisposable
{
    private readonly StatusServer server = new(new Dictionary<string, string> { ["GITOPS_WRITE_TOKENS"] = "w-secret:infra/*, n-secret:nginx" });

    public void Dispose() => server.Dispose();

    private async Task Drifted()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Url + "/api/status")
        {
            Content = JsonContent.Create(new
            {
                repo = "infra/rsyslog",
                server = "web-1",
                sync_status = "OUT_OF_SYNC",
                drift_count = 1,
                files = new[] { new { name = "rsyslog.conf", actual_sha256 = new string('a', 64) } },
            }),
        };
        request.Headers.Authorization = new("Bearer", "w-secret");
        (await http.SendAsync(request, TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
    }

    private static string InDays(int days) => DateTime.UtcNow.AddDays(days).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task I_can_acknowledge_a_drifted_target_list_it_and_end_it()
    {
        await Drifted();
        string[] target = ["--url", server.Url, "--token", "w-secret", "--repo", "infra/rsyslog", "--server", "web-1"];

        var acked = await CliRunner.RunAsync(["ack", .. target, "--reason", "hotfix until Friday", "--until", InDays(15)]);
        var row = (await server.TargetsAsync())["web-1"];
        var listed = await CliRunner.RunAsync(["ack", .. target, "--list"]);
        var deleted = await CliRunner.RunAsync(["ack", .. target, "--delete"]);

        Assert.True(acked.ExitCode == 0, acked.Err);
        Assert.Equal(("OUT_OF_SYNC", true, "hotfix until Friday"),
            (row.GetProperty("sync_status").GetString(), row.GetProperty("acknowledged").GetBoolean(), row.GetProperty("ack_reason").GetString()));
        Assert.Equal(0, listed.ExitCode);
        Assert.Single(JsonDocument.Parse(listed.Out).RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(0, deleted.ExitCode);
        Assert.False((await server.TargetsAsync())["web-1"].GetProperty("acknowledged").GetBoolean());
    }

    [Fact]
    public async Task A_refused_acknowledgement_exits_1_with_the_servers_reason_naming_the_field()
    {
        await Drifted();
        string[] target = ["--url", server.Url, "--repo", "infra/rsyslog", "--server", "web-1"];

        var late = await CliRunner.RunAsync(["ack", .. target, "--token", "w-secret", "--reason", "x", "--until", InDays(120)]);
        var otherScope = await CliRunner.RunAsync(["ack", .. target, "--token", "n-secret", "--reason", "x", "--until", InDays(5)]);
        var usage = await CliRunner.RunAsync(["ack", .. target, "--token", "w-secret", "--reason", "x"]);

        Assert.Equal(1, late.ExitCode);
        Assert.Contains("until:", late.Err, StringComparison.Ordinal);
        Assert.Contains("more than 90 days ahead", late.Err, StringComparison.Ordinal);
        Assert.Equal(1, otherScope.ExitCode);
        Assert.Contains("403", otherScope.Err, StringComparison.Ordinal);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--until", usage.Err, StringComparison.Ordinal);
        Assert.False((await server.TargetsAsync())["web-1"].GetProperty("acknowledged").GetBoolean());
    }
}
