using GitOpsStatus.Server.Storage;
using Npgsql;

namespace GitOpsStatus.Server.Tests.Postgres;

public class PostgresConnectionTests
{
    [Fact]
    public void A_postgres_url_becomes_an_npgsql_connection_with_the_server_defaults()
    {
        var builder = PostgresConnection.Parse("postgres://gitops:p%40ss%3Aword@db.example.org:6432/status?sslmode=verify-full&application_name=replica-1");

        Assert.Equal(("db.example.org", 6432, "gitops", "p@ss:word", "status"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
        Assert.Equal(SslMode.VerifyFull, builder.SslMode);
        Assert.Equal("replica-1", builder.ApplicationName);
        Assert.Equal(PostgresConnection.DefaultMaxPoolSize, builder.MaxPoolSize);
        Assert.Equal(5, builder.Timeout);
    }

    [Fact]
    public void An_npgsql_connection_string_keeps_what_the_operator_set()
    {
        var builder = PostgresConnection.Parse("Host=10.0.0.5;Username=gitops;Password=x;Database=status;Maximum Pool Size=50;Timeout=15");

        Assert.Equal(("10.0.0.5", 5432, 50, 15), (builder.Host, builder.Port, builder.MaxPoolSize, builder.Timeout));
        Assert.Equal("gitops@10.0.0.5:5432/status", PostgresConnection.Describe(builder));
    }

    [Theory]
    [InlineData("postgres://gitops:secret@/status", "not a valid URL")]
    [InlineData("postgres://gitops:secret@db/status?sslmode=sometimes", "sslmode=sometimes")]
    [InlineData("Host=db;Bogus Keyword=1;Password=secret", "not a valid connection string")]
    public void A_bad_setting_names_GITOPS_DATABASE_and_never_prints_the_password(string text, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => PostgresConnection.Parse(text));

        Assert.Contains("GITOPS_DATABASE", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }
}
