using System.Data.Common;
using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Writing;

/// <summary>Opens the store at start-up, so a data directory that cannot be used stops the server with one clear line.</summary>
public static partial class StoreStartup
{
    public static bool OpenStore(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<GroupCommitWriter>();
            return true;
        }
        catch (Exception e) when (e is DbException or TimeoutException && app.Services.GetRequiredService<ServerOptions>().Database is { } database)
        {
#pragma warning disable CA1873
            CannotConnect(app.Logger, PostgresConnection.Describe(PostgresConnection.Parse(database.Reveal())), StoreErrors.Describe(e));
#pragma warning restore CA1873
            return false;
        }
        catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException)
        {
            // Once, at start-up: the cost of building the message does not matter (CA1873).
#pragma warning disable CA1873
            CannotOpen(app.Logger, Path.GetFullPath(app.Services.GetRequiredService<ServerOptions>().DataDir), e.Message, Environment.UserName);
#pragma warning restore CA1873
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message =
        "Cannot open the database in GITOPS_DATA_DIR={DataDir}: {Reason}. Make the directory exist and be writable by user {User}, or point GITOPS_DATA_DIR elsewhere")]
    private static partial void CannotOpen(ILogger logger, string dataDir, string reason, string user);

    [LoggerMessage(Level = LogLevel.Critical, Message =
        "Cannot open the PostgreSQL database of GITOPS_DATABASE ({Where}): {Reason}. Check that it is reachable from here and that the user may create tables in it")]
    private static partial void CannotConnect(ILogger logger, string where, string reason);
}
