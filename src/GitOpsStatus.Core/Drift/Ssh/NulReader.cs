using System.Text;

namespace GitOpsStatus.Core.Drift.Ssh;

/// <summary>
/// Reads NUL-terminated tokens from a stream: the remote side's output, safe for file names with spaces and newlines. A
/// stream that sends nothing for <paramref name="silence"/>, when given, throws <see cref="TimeoutException"/>.
/// </summary>
internal sealed class NulReader(Stream stream, TimeSpan? silence = null)
{
    private readonly byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;
    private bool endOfStream;

    /// <summary>The next token without its NUL; null at the end, and for an unterminated last token (a cut record).</summary>
    public async ValueTask<string?> ReadAsync(CancellationToken cancellationToken)
    {
        MemoryStream? pending = null;
        while (true)
        {
            var nul = Array.IndexOf(buffer, (byte)0, start, end - start);
            if (nul >= 0)
            {
                var token = Decode(pending, nul);
                start = nul + 1;
                return token;
            }
            (pending ??= new MemoryStream()).Write(buffer, start, end - start);
            start = end = 0;
            // Every record ends with NUL: bytes after the last one are a record cut off (the connection died mid-transfer).
            if (endOfStream)
                return null;
            var read = await FillAsync(cancellationToken);
            if (read == 0)
                endOfStream = true;
            end = read;
        }
    }

    /// <summary>The next token, or a protocol error when the stream ended.</summary>
    public async ValueTask<string> ReadRequiredAsync(CancellationToken cancellationToken) =>
        await ReadAsync(cancellationToken) ?? throw new EndOfStreamException("the remote output ended in the middle of a record");

    private async ValueTask<int> FillAsync(CancellationToken cancellationToken)
    {
        if (silence is not { } limit)
            return await stream.ReadAsync(buffer, cancellationToken);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(limit);
        try
        {
            return await stream.ReadAsync(buffer, timer.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"nothing arrived for {limit}");
        }
    }

    private string Decode(MemoryStream? pending, int nul)
    {
        if (pending is null)
            return Encoding.UTF8.GetString(buffer, start, nul - start);
        pending.Write(buffer, start, nul - start);
        return Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length);
    }
}
