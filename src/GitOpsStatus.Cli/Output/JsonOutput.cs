using System.Text.Encodings.Web;
using System.Text.Json;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Output;

/// <summary><c>--format json</c>: the exact reports, as a JSON array (one per target), ready for <c>push -</c>.</summary>
internal static class JsonOutput
{
    // Relaxed escaping keeps diffs readable ("+" rather than "\u002B"); this is a terminal or a pipe, not HTML.
    private static readonly ReportJson Readable = new(new JsonSerializerOptions(ReportJson.Default.Options)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = null,
    });

    public static void Write(IReadOnlyList<StatusReport> reports, TextWriter output) =>
        output.WriteLine(JsonSerializer.Serialize(reports.ToList(), Readable.ListStatusReport));
}
