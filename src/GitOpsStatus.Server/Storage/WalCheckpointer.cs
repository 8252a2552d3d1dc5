using Microsoft.Data.Sqlite;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Copies the WAL back into the database file from its own connection, twice a second, instead of
/// letting SQLite do it inside whichever commit crosses 1,000 pages: that commit would pay for the
/// checkpoint's fsyncs and its waiters would see a latency spike. A PASSIVE checkpoint never blocks
/// the writer or readers; when steady load keeps the WAL from ever being fully copied (so SQLite
/// cannot start it over) and it passes <see cref="RestartFrames"/>, a RESTART checkpoint briefly
/// holds the writer to bound its size.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);
    private const long RestartFrames = 16_384; // about 64 MiB of 4 KiB pages

    private readonly SqliteConnection _connection;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private bool _disposed;

    public WalCheckpointer(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        _timer = new Timer(_ =>
        {
            if (Checkpoint("PASSIVE") > RestartFrames)
                Checkpoint("RESTART");
        }, null, Every, Every);
    }

    /// <summary>Runs a checkpoint; returns the WAL's size in frames (0 when it could not run).</summary>
    private long Checkpoint(string mode)
    {
        lock (_lock)
        {
            if (_disposed)
                return 0;
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = $"PRAGMA wal_checkpoint({mode})";
                using var reader = command.ExecuteReader();
                return reader.Read() ? reader.GetInt64(1) : 0;
            }
            catch (Exception)
            {
                // Busy, out of space, or anything else: the next tick tries again; the WAL keeps every commit meanwhile.
                // Nothing may escape: a timer callback that throws ends the process.
                return 0;
            }
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Checkpoint("TRUNCATE");
        lock (_lock)
        {
            _disposed = true;
            _connection.Dispose();
        }
    }
}
