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
        command.CommandText = """
            SELECT id, at, received_at, changes, from_status, to_status, drift_count, files, from_revision, revision
            FROM events WHERE repo = $repo AND server = $server AND id < $before
            ORDER BY id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$repo", repo);
        command.Parameters.AddWithValue("$server", server);
        command.Parameters.AddWithValue("$before", beforeId ?? long.MaxValue);
        command.Parameters.AddWithValue("$limit", limit + 1);
        var events = new List<HistoryEvent>(Math.Min(limit + 1, 1024));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new HistoryEvent(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3), NullableString(reader, 4),
                reader.GetString(5), reader.GetInt32(6), reader.GetString(7), NullableString(reader, 8), NullableString(reader, 9)));
        }
        if (events.Count <= limit)
            return new HistoryPage(events, null);
        events.RemoveAt(limit);
        return new HistoryPage(events, events[^1].Id);
    }
}
