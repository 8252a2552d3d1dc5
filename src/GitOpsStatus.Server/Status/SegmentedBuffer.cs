using System.Buffers;
using System.Security.Cryptography;

namespace GitOpsStatus.Server.Status;

/// <summary>
/// A growing body in pooled 64 KiB segments: no doubling-and-copying of one large array (which
/// needs up to three times the body in memory), and returned to the pool when disposed.
/// </summary>
internal sealed class SegmentedBuffer : IBufferWriter<byte>, IDisposable
{
    private const int SegmentSize = 64 * 1024;
    private readonly List<(byte[] Array, int Used)> _segments = [];
    private byte[] _current = ArrayPool<byte>.Shared.Rent(SegmentSize);
    private int _used;

    public long Length => _segments.Sum(s => (long)s.Used) + _used;

    public void Advance(int count) => _used += count;

    public Memory<byte> GetMemory(int sizeHint = 0) => _current.AsMemory(_used..).Length >= Math.Max(sizeHint, 1) ? _current.AsMemory(_used) : NewSegment(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    /// <summary>SHA-256 over the written bytes.</summary>
    public byte[] Hash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var segment in Segments())
            hash.AppendData(segment.Span);
        return hash.GetHashAndReset();
    }

    public async Task CopyToAsync(Stream output, CancellationToken cancellationToken)
    {
        foreach (var segment in Segments())
            await output.WriteAsync(segment, cancellationToken);
    }

    private IEnumerable<ReadOnlyMemory<byte>> Segments() =>
        _segments.Select(s => (ReadOnlyMemory<byte>)s.Array.AsMemory(0, s.Used)).Append(_current.AsMemory(0, _used));

    private Memory<byte> NewSegment(int sizeHint)
    {
        _segments.Add((_current, _used));
        _current = ArrayPool<byte>.Shared.Rent(Math.Max(SegmentSize, sizeHint));
        _used = 0;
        return _current;
    }

    public void Dispose()
    {
        foreach (var (array, _) in _segments)
            ArrayPool<byte>.Shared.Return(array);
        ArrayPool<byte>.Shared.Return(_current);
        _segments.Clear();
    }
}
