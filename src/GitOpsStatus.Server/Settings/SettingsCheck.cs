using GitOpsStatus.Server.Access;
using GitOpsStatus.Server.Storage;

namespace GitOpsStatus.Server.Settings;

/// <summary>A setting whose value cannot be used; its message is one sentence naming the setting and quoting the value (unless secret).</summary>
public sealed class SettingException(string message) : Exception(message);

/// <summary>Reads every setting once, before the server starts, so that a bad one stops it with its sentence and no stack trace.</summary>
public static class SettingsCheck
{
    public static bool ReadSettings(this IConfiguration config)
    {
        try
        {
            var options = ServerOptions.From(config);
            _ = new AccessTokens(options);
            if (options.Database is { } database)
                CheckDatabase(database.Reveal());
            return true;
        }
        catch (SettingException e)
        {
            Console.Error.WriteLine(e.Message);
            return false;
        }
    }

    private static void CheckDatabase(string text)
    {
        try
        {
            PostgresConnection.Parse(text);
        }
        catch (InvalidOperationException e)
        {
            throw new SettingException(e.Message);
        }
    }
}
