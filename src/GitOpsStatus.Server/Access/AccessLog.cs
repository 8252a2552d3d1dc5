namespace GitOpsStatus.Server.Access;

/// <summary>Says once, at start-up, which routes are guarded (never the tokens themselves).</summary>
public static partial class AccessLog
{
    public static void LogAccessMode(this WebApplication app)
    {
        var tokens = app.Services.GetRequiredService<AccessTokens>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("GitOpsStatus.Server.Access");
        if (tokens.IsOpen)
        {
            Open(logger);
            return;
        }
        Guarded(logger, tokens.WritesGuarded ? "need a write token" : "are open", tokens.ReadsGuarded ? "need the read token" : "are open",
            tokens.DeletesEnabled ? "need the admin token" : "are disabled (no GITOPS_ADMIN_TOKEN)");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No access token is configured (GITOPS_WRITE_TOKENS, GITOPS_ADMIN_TOKEN, GITOPS_READ_TOKEN): anyone who reaches this server can report, read and delete targets")]
    private static partial void Open(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Access tokens: writes {Writes}, reads {Reads}, deletes {Deletes}")]
    private static partial void Guarded(ILogger logger, string writes, string reads, string deletes);
}
