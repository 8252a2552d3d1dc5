namespace GitOpsStatus.Server.Ingestion;

/// <summary>
/// The server's own line per status transition a report makes (heartbeats are not logged), so "did the
/// report arrive, and what did it change" can be answered from the server's log.
/// </summary>
public sealed partial class TransitionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Repo} on {Server}: {From} → {To}, {DriftCount} drifted files, from {Source}")]
    public static partial void StatusChanged(ILogger logger, string repo, string server, string from, string to, long driftCount, string source);
}
