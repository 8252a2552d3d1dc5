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
        command.CommandText = $"""
            SELECT {EventColumns}
            FROM events WHERE repo = $repo AND server = $server AND id < $before
            ORDER BY id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$repo", repo);
        command.Parameters.AddWithValue("$server", server);
        command.Parameters.AddWithValue("$before", beforeId ?? long.MaxValue);
        command.Parameters.AddWithValue("$limit", limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadHistoryPageAsync(reader, limit, cancellationToken);
    }
}
