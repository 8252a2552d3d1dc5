namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary><c>gitops-status watch</c> run in-process in a test tree, with a daily schedule: only its start-up check is scheduled.</summary>
public static class InProcessWatch
{
    /// <summary>Starts the agent in <paramref name="tree"/>, logging to <paramref name="log"/>, and waits for its first run, which must say <paramref name="firstRun"/>.</summary>
    public static async Task<(Task<int> Watch, CancellationTokenSource Stop)> StartAsync(TempTree tree, CapturedLog log, string firstRun, params string[] more)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var io = new CliIo(log.Writer, log.Writer, name => name == "GITOPS_SPOOL_DIR" ? tree["spool"] : null, () => new MemoryStream(), tree.Root);
        var watch = CliApp.RunAsync(["watch", "--schedule", "0 0 * * *", "--retries", "0", .. more], io, stop.Token);
        for (var i = 0; i < 1200 && !log.Text().Contains("run 1:", StringComparison.Ordinal); i++)
            await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Contains(firstRun, log.Text(), StringComparison.Ordinal);
        return (watch, stop);
    }

    /// <summary>Stops the agent as SIGTERM would; it must exit 0 within a minute.</summary>
    public static async Task StopAsync((Task<int> Watch, CancellationTokenSource Stop) agent)
    {
        await agent.Stop.CancelAsync();
        Assert.Equal(0, await agent.Watch.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        agent.Stop.Dispose();
    }
}
