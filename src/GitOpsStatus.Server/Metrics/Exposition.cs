using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace GitOpsStatus.Server.Metrics;

/// <summary>
/// Writes Prometheus text exposition (format 0.0.4) straight into the response pipe, flushing every
/// <see cref="FlushAt"/> bytes: the body is never held whole.
/// </summary>
internal sealed class Exposition(PipeWriter output)
{
    private const int FlushAt = 32 * 1024;

    public void Family(string name, string type, string help)
    {
        Ascii("# HELP ").Ascii(name).Ascii(" ").Ascii(help).Ascii("\n# TYPE ").Ascii(name).Ascii(" ").Ascii(type).Ascii("\n");
    }

    /// <summary><c>{repo="…",server="…"}</c>, encoded once per target and reused by every family.</summary>
    public static void Labels(IBufferWriter<byte> into, string repo, string server)
    {
        var span = into.GetSpan(32 + 2 * Encoding.UTF8.GetMaxByteCount(repo.Length + server.Length));
        var n = 0;
        n += Encoding.ASCII.GetBytes("{repo=\"", span[n..]);
        n += EscapedInto(repo, span[n..]);
        n += Encoding.ASCII.GetBytes("\",server=\"", span[n..]);
        n += EscapedInto(server, span[n..]);
        n += Encoding.ASCII.GetBytes("\"}", span[n..]);
        into.Advance(n);
    }

    /// <summary><c>name{…} </c> from pre-encoded parts — the value follows.</summary>
    public Exposition Sample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels)
    {
        var span = output.GetSpan(name.Length + labels.Length + 1);
        name.CopyTo(span);
        labels.CopyTo(span[name.Length..]);
        span[name.Length + labels.Length] = (byte)' ';
        output.Advance(name.Length + labels.Length + 1);
        return this;
    }

    /// <summary><c>name{l1="v1",l2="v2"} </c> — the value follows.</summary>
    public Exposition Sample(string name, string label1, string value1, string? label2 = null, string? value2 = null, string? label3 = null, string? value3 = null)
    {
        Ascii(name).Ascii("{").Ascii(label1).Ascii("=\"").Escaped(value1).Ascii("\"");
        if (label2 is not null)
            Ascii(",").Ascii(label2).Ascii("=\"").Escaped(value2!).Ascii("\"");
        if (label3 is not null)
            Ascii(",").Ascii(label3).Ascii("=\"").Escaped(value3!).Ascii("\"");
        return Ascii("} ");
    }

    public Exposition Value(long value)
    {
        var span = output.GetSpan(24);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
        return Ascii("\n");
    }

    public Exposition Value(double value) =>
        Ascii(double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture)).Ascii("\n");

    /// <summary>Unix milliseconds as seconds with three decimals, exactly (no floating point).</summary>
    public Exposition Seconds(long unixMilliseconds)
    {
        var span = output.GetSpan(32);
        var ms = Math.Abs(unixMilliseconds % 1000);
        (unixMilliseconds / 1000).TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        span[written++] = (byte)'.';
        ms.TryFormat(span[written..], out var frac, "000", CultureInfo.InvariantCulture);
        output.Advance(written + frac);
        return Ascii("\n");
    }

    public ValueTask<FlushResult> FlushIfFullAsync(CancellationToken cancellationToken) =>
        output.UnflushedBytes >= FlushAt ? output.FlushAsync(cancellationToken) : default;

    public Exposition Ascii(string text)
    {
        var span = output.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        output.Advance(written);
        return this;
    }

    /// <summary>A label value: UTF-8 with <c>\</c>, <c>"</c> and newline escaped.</summary>
    private Exposition Escaped(string value)
    {
        var span = output.GetSpan(2 * Encoding.UTF8.GetMaxByteCount(value.Length));
        output.Advance(EscapedInto(value, span));
        return this;
    }

    private static int EscapedInto(string value, Span<byte> into)
    {
        if (value.AsSpan().IndexOfAny("\\\"\n") >= 0)
            value = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(value, into);
    }
}
