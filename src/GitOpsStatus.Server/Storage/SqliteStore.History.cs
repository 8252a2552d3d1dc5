using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using static GitOpsStatus.Server.Storage.StoredRows;

namespace GitOpsStatus.Server.Storage;

/// <summary>Reads of a target's history: its change events, newest first, paged by id.</summary>
public sealed partial class SqliteStore
{
    /// <summary>
    /// Up to <paramref name="limit"/> events of the target, newest first, older than the event
    /// <paramref name="beforeId"/> when given (the previous page's <see cref="HistoryPage.NextBeforeId"/>).
    /// Ids only grow, so pages stay stable while new events arrive.
    /// </summary>
    public async Task<HistoryPage> ReadHistoryAsync(string repo, string server, int limit, long? beforeId, CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        // The page's last id and whether an older event follows it: the cursor of the next page, before any event is read.
        command.CommandText = """
            SELECT id FROM events WHERE repo = $repo AND server = $server AND id < $before
            ORDER BY id DESC LIMIT 2 OFFSET $skip
            """;
        BindHistory(command, repo, server, beforeId);
        command.Parameters.AddWithValue("$skip", limit - 1);
        return new HistoryPage(HistoryEvents(repo, server, limit, beforeId, cancellationToken), await NextBeforeIdAsync(command, cancellationToken));
    }

    // Read while the response is written (see TargetPageRows).
    private async IAsyncEnumerable<HistoryEvent> HistoryEvents(string repo, string server, int limit, long? beforeId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = OpenReader();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {EventColumns}
            FROM events WHERE repo = $repo AND server = $server AND id < $before
            ORDER BY id DESC LIMIT $limit
            """;
        BindHistory(command, repo, server, beforeId);
        command.Parameters.AddWithValue("$limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            yield return ReadEvent(reader);
    }

    private static void BindHistory(SqliteCommand command, string repo, string server, long? beforeId)
    {
        command.Parameters.AddWithValue("$repo", repo);
        command.Parameters.AddWithValue("$server", server);
        command.Parameters.AddWithValue("$before", beforeId ?? long.MaxValue);
    }
}
