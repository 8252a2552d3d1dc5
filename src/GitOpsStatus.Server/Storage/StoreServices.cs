using System.Data.Common;
using GitOpsStatus.Server.Settings;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace GitOpsStatus.Server.Storage;

public static class StoreServices
{
    /// <summary>The store as one <see cref="IStatusStore"/> singleton: PostgreSQL when <c>GITOPS_DATABASE</c> is set, else the SQLite file.</summary>
    public static IServiceCollection AddStatusStore(this IServiceCollection services) =>
        services.AddSingleton<IStatusStore>(s =>
        {
            var options = s.GetRequiredService<ServerOptions>();
            var logger = s.GetRequiredService<ILoggerFactory>().CreateLogger("GitOpsStatus.Server.Storage");
            IStatusStore store = options.Database is { } database
                ? new PostgresStore(PostgresConnection.Parse(database.Reveal()), options)
                : new SqliteStore(options);
            StoreOpened(logger, store.Kind, store.ToString()!, null);
            return store;
        });

    private static readonly Action<ILogger, string, string, Exception?> StoreOpened =
        LoggerMessage.Define<string, string>(LogLevel.Information, new EventId(1, "StoreOpened"), "Store: {Kind} ({Where})");
}

/// <summary>What a store failure means for the client, whichever database raised it.</summary>
public static class StoreErrors
{
    /// <summary>The disk (or PostgreSQL's) is full: SQLITE_FULL or SQLSTATE 53100.</summary>
    public static bool IsDiskFull(Exception e) => e switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode == 13,
        PostgresException pg => pg.SqlState == PostgresErrorCodes.DiskFull,
        _ => false,
    };

    /// <summary>
    /// Whether the database cannot take writes now (unreachable, shut down, full, read-only, locked, failing I/O): what makes
    /// the server not ready. Anything else (a constraint, a statement the database refuses, a bug) fails that one write and
    /// says nothing about the next, so it leaves readiness alone.
    /// </summary>
    public static bool IsStorageFault(Exception e) => e switch
    {
        // BUSY, LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6 or 7 or 8 or 10 or 11 or 13 or 14 or 26,
        // Connection lost (08), out of disk, memory or connections (53), shut down or starting (57P), I/O (58),
        // a read-only (standby) server (25006), corruption (XX001, XX002).
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("58", StringComparison.Ordinal)
            || pg.SqlState is PostgresErrorCodes.ReadOnlySqlTransaction or PostgresErrorCodes.DataCorrupted or PostgresErrorCodes.IndexCorrupted,
        // Npgsql's own: the network, a timeout, a broken connection.
        NpgsqlException => true,
        IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>One line for a log or a 503's detail: the database's own message, never a connection string.</summary>
    public static string Describe(Exception e) => e switch
    {
        SqliteException { SqliteErrorCode: 13 } => "the disk is full",
        SqliteException { SqliteErrorCode: 8 } => "the database is read-only",
        SqliteException { SqliteErrorCode: 10 } => $"an I/O error ({e.Message})",
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } => "PostgreSQL's disk is full",
        NpgsqlException { InnerException: { } inner } when e is not PostgresException => $"the database is unreachable ({inner.Message})",
        DbException db => db.Message,
        TimeoutException => "the database did not answer in time",
        _ => "the database failed",
    };
}
