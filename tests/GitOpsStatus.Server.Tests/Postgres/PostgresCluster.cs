using Npgsql;

[assembly: AssemblyFixture(typeof(GitOpsStatus.Server.Tests.Postgres.PostgresCluster))]

namespace GitOpsStatus.Server.Tests.Postgres;

/// <summary>
/// One throw-away PostgreSQL cluster for the whole test run (an assembly fixture, started on first use),
/// and a fresh database per test: <c>CREATE DATABASE</c> is a fraction of a second, <c>initdb</c> several.
/// Tests that stop or restart PostgreSQL start their own <see cref="PostgresServer"/> instead.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly Lazy<PostgresServer> _server = new(() => new PostgresServer());
    private int _databases;

    public PostgresServer Server => _server.Value;

    /// <summary>Creates an empty database; returns its name and an Npgsql connection string with a small pool.</summary>
    public (string Name, string ConnectionString) CreateDatabase()
    {
        var name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        Admin($"CREATE DATABASE {name}");
        return (name, Server.ConnectionString(name) + ";Maximum Pool Size=10");
    }

    /// <summary>Drops a database, closing what still holds it open.</summary>
    public void DropDatabase(string name) => Admin($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");

    /// <summary>Runs one statement in <paramref name="database"/> and returns the first column of the first row.</summary>
    public object? Scalar(string database, string sql)
    {
        using var connection = new NpgsqlConnection(Server.ConnectionString(database) + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return command.ExecuteScalar();
    }

    private void Admin(string sql) => Scalar("postgres", sql);

    public void Dispose()
    {
        if (_server.IsValueCreated)
            _server.Value.Dispose();
    }
}
