namespace GitOpsStatus.Cli.Output;

/// <summary>A one-line "checked 3/20" on stderr while many targets run, only when stderr is a terminal.</summary>
internal sealed class ProgressLine(CliIo io, int total) : IDisposable
{
    private const int MinTargets = 4;
    private readonly bool enabled = io.ErrIsTerminal && total >= MinTargets;
    private readonly Lock gate = new();
    private int done;
    private bool cleared;

    public void Advance()
    {
        if (!enabled)
            return;
        lock (gate)
        {
            done++;
            io.Err.Write($"\rchecked {done}/{total} targets");
            io.Err.Flush();
        }
    }

    public void Dispose()
    {
        if (!enabled || cleared)
            return;
        lock (gate)
        {
            cleared = true;
            io.Err.Write("\r\e[K");
            io.Err.Flush();
        }
    }
}
