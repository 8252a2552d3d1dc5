namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary>An in-process agent's log: written from its threads through <see cref="Writer"/>, read whole by the test.</summary>
public sealed class CapturedLog : IDisposable
{
    private readonly StringWriter output = new();

    public CapturedLog() => Writer = TextWriter.Synchronized(output);

    public TextWriter Writer { get; }

    /// <summary>Everything written so far (the synchronized writer's lock, so never mid-write).</summary>
    public string Text()
    {
        lock (Writer)
            return output.ToString();
    }

    public void Dispose() => output.Dispose();
}
