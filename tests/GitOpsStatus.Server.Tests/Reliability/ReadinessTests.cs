using System.Net;
using GitOpsStatus.Server.Tests.Postgres;
using GitOpsStatus.Server.Writing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Not ready means the store cannot take writes (issue 18: readiness follows real storage faults). A write the database
/// refuses for its own reason (here a real constraint error, raised by a trigger on the real SQLite file or PostgreSQL
/// database) fails that report alone: it is not a storage fault, and the server stays ready. Outages and full disks
/// (which are) are in <see cref="Postgres.OutageTests"/>, <see cref="ResourceFaultTests"/> and <see cref="LockedDatabaseTests"/>.
/// </summary>
public abstract class ReadinessTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_report_the_database_refuses_for_a_constraint_fails_alone_and_leaves_the_server_ready()
    {
        var t = AppServer.Start.AddMinutes(-1);
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Synced("fine", "web-1", t))).StatusCode);
        RefuseRepo("poison");

        var refused = await _server.PostJson(Reports.Synced("poison", "web-1", t));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Null(_server.Services.GetRequiredService<GroupCommitWriter>().StorageFault);
        Assert.DoesNotContain(_server.Logs.Lines, l => l.Contains("Storage fault", StringComparison.Ordinal));
        Assert.Contains(_server.Logs.Lines, l => l.Contains("refused by a test trigger", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await _server.Client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Synced("fine", "web-2", t))).StatusCode);
        Assert.Equal(2, (await _server.StatusJson()).GetArrayLength());
    }

    /// <summary>A trigger that makes the database refuse every row of <paramref name="repo"/> with a constraint error.</summary>
    private void RefuseRepo(string repo)
    {
        if (_server.Database is { } database)
        {
            using var connection = new Npgsql.NpgsqlConnection(database);
            connection.Open();
            using var command = new Npgsql.NpgsqlCommand($$"""
                CREATE FUNCTION refuse_repo() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.repo = '{{repo}}' THEN RAISE EXCEPTION 'refused by a test trigger' USING ERRCODE = 'check_violation'; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER refuse_repo BEFORE INSERT OR UPDATE ON targets FOR EACH ROW EXECUTE FUNCTION refuse_repo();
                """, connection);
            command.ExecuteNonQuery();
            return;
        }
        using var sqlite = new SqliteConnection($"Data Source={Path.Combine(_server.DataDir, "gitops-status.db")};Pooling=false");
        sqlite.Open();
        using var create = sqlite.CreateCommand();
        create.CommandText = $"""
            CREATE TRIGGER refuse_repo BEFORE INSERT ON targets WHEN NEW.repo = '{repo}'
            BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END;
            """;
        create.ExecuteNonQuery();
    }
}

public sealed class ReadinessTestsOnSqlite() : ReadinessTests(null)
{
}

public sealed class ReadinessTestsOnPostgres(PostgresCluster postgres) : ReadinessTests(postgres)
{
}
