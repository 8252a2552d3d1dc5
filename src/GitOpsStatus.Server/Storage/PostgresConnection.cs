using System.Data.Common;
using Npgsql;

namespace GitOpsStatus.Server.Storage;

/// <summary>
/// Reads <c>GITOPS_DATABASE</c>: an Npgsql connection string (<c>Host=…;Username=…;Database=…</c>) or a
/// <c>postgres://user:password@host:port/database?sslmode=require</c> URL, as cloud consoles and operators
/// hand them out. Settings the operator did not give get the defaults this server is sized for.
/// </summary>
public static class PostgresConnection
{
    /// <summary>Connections per replica: the writer uses one, reads share the rest (replicas × this must fit max_connections).</summary>
    public const int DefaultMaxPoolSize = 20;

    public static NpgsqlConnectionStringBuilder Parse(string text)
    {
        text = text.Trim();
        var builder = text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            ? FromUrl(text)
            : FromKeywords(text);
        var given = new DbConnectionStringBuilder { ConnectionString = builder.ConnectionString };
        bool Given(params string[] keys) => keys.Any(k => given.Keys.Cast<string>().Any(g => Normal(g) == Normal(k)));
        if (!Given("Maximum Pool Size", "Max Pool Size"))
            builder.MaxPoolSize = DefaultMaxPoolSize;
        if (!Given("Timeout"))
            builder.Timeout = 5; // connect timeout: a dead database answers 503 in seconds, not after 15
        if (!Given("Max Auto Prepare"))
            builder.MaxAutoPrepare = 32; // the ingest statement is parsed and planned once per connection
        if (!Given("Application Name"))
            builder.ApplicationName = "gitops-status-server";
        if (string.IsNullOrEmpty(builder.Host))
            throw Invalid("it names no host; expected Host=… or postgres://user:password@host:5432/database");
        return builder;
    }

    /// <summary>Where the store is, for logs: never the password.</summary>
    public static string Describe(NpgsqlConnectionStringBuilder builder) =>
        $"{builder.Username ?? "(default user)"}@{builder.Host}:{builder.Port}/{builder.Database ?? "(default database)"}";

    private static NpgsqlConnectionStringBuilder FromKeywords(string text)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (ArgumentException e)
        {
            throw Invalid($"it is not a valid connection string ({e.Message.Split('\n')[0]}); expected Host=…;Username=…;Database=… or a postgres:// URL");
        }
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || string.IsNullOrEmpty(url.Host))
            throw Invalid("it is not a valid URL; expected postgres://user:password@host:5432/database");
        var builder = new NpgsqlConnectionStringBuilder { Host = url.Host.Trim('[', ']'), Port = url.IsDefaultPort || url.Port < 0 ? 5432 : url.Port };
        if (url.UserInfo.Length > 0)
        {
            var colon = url.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? url.UserInfo : url.UserInfo[..colon]);
            if (colon >= 0)
                builder.Password = Uri.UnescapeDataString(url.UserInfo[(colon + 1)..]);
        }
        var database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
            builder.Database = database;
        foreach (var pair in url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = pair.IndexOf('=', StringComparison.Ordinal) is var i and >= 0
                ? (Uri.UnescapeDataString(pair[..i]), Uri.UnescapeDataString(pair[(i + 1)..]))
                : (Uri.UnescapeDataString(pair), "");
            try
            {
                if (Normal(key) == "sslmode")
                    builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
                else
                    builder[key.Replace('_', ' ')] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                throw Invalid($"its parameter \"{key}={value}\" is not understood; expected sslmode=disable|prefer|require|verify-ca|verify-full or an Npgsql keyword");
            }
        }
        return builder;
    }

    private static string Normal(string key) => key.Replace(" ", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static InvalidOperationException Invalid(string why) => new($"Setting GITOPS_DATABASE is not valid: {why}.");
}
