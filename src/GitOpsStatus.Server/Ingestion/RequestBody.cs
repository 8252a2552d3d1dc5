using System.Buffers;
using Microsoft.Net.Http.Headers;

namespace GitOpsStatus.Server.Ingestion;

/// <summary>Reads a request body into a pooled buffer, refusing it as soon as it passes the limit.</summary>
internal static class RequestBody
{
    /// <summary>True when the content type is JSON (<c>application/json</c> or <c>*+json</c>) in UTF-8.</summary>
    public static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
            return false;
        var type = media.MediaType.Value ?? "";
        var json = type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        return json && (media.Charset.Value is null || media.Charset.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The body's bytes (rented; return with <see cref="ArrayPool{T}.Shared"/>), or null when it is over <paramref name="limit"/>.</summary>
    public static async Task<(byte[]? Buffer, int Length)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        var capacity = (int)Math.Min(limit + 1, request.ContentLength is { } length ? length + 1 : 16 * 1024);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 256));
        var total = 0;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit + 1));
                    buffer.AsSpan(0, total).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(total), cancellationToken);
                if (read == 0)
                    return (buffer, total);
                total += read;
                if (total > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, total);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}
