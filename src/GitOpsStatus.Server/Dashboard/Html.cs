using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>Markup that is already safe: only literals and builders, never user data.</summary>
internal readonly record struct RawHtml(string Value);

/// <summary>
/// A page being written. <c>html.Add($"&lt;td&gt;{row.Repo}&lt;/td&gt;")</c> HTML-encodes every hole
/// unless it is <see cref="RawHtml"/>, so a forgotten encode is impossible rather than a review item:
/// repo names are restricted, but file names, diffs, errors and revisions are free text.
/// </summary>
internal sealed class Html(int capacity = 16 * 1024)
{
    private readonly StringBuilder _out = new(capacity);

    public int Length => _out.Length;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The handler writes into this instance.")]
    public void Add([InterpolatedStringHandlerArgument("")] ref Handler markup) => _ = markup;

    public void Raw(string markup) => _out.Append(markup);

    public void Text(string? text) => Encode(_out, text);

    public override string ToString() => _out.ToString();

    /// <summary>Encodes for element text and for double- or single-quoted attribute values.</summary>
    public static void Encode(StringBuilder output, ReadOnlySpan<char> text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var entity = text[i] switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\0' => "\uFFFD",
                _ => null,
            };
            if (entity is null)
                continue;
            output.Append(text[start..i]).Append(entity);
            start = i + 1;
        }
        output.Append(text[start..]);
    }

    public static string Encode(string text)
    {
        var output = new StringBuilder(text.Length + 16);
        Encode(output, text);
        return output.ToString();
    }

    [InterpolatedStringHandler]
    public readonly ref struct Handler
    {
        private readonly StringBuilder _out;

        public Handler(int literalLength, int formattedCount, Html html)
        {
            _ = literalLength + formattedCount;
            _out = html._out;
        }

        public void AppendLiteral(string markup) => _out.Append(markup);

        public void AppendFormatted(string? text) => Encode(_out, text);

        public void AppendFormatted(RawHtml markup) => _out.Append(markup.Value);

        public void AppendFormatted(int value) => _out.Append(value.ToString(CultureInfo.InvariantCulture));

        public void AppendFormatted(long value) => _out.Append(value.ToString(CultureInfo.InvariantCulture));
    }
}
