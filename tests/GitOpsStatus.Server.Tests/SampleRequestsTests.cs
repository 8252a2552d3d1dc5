using System.Text;
using System.Text.RegularExpressions;

namespace GitOpsStatus.Server.Tests;

/// <summary>Keeps <c>requests/status.http</c> working: every sample request runs, in order, against the real app.</summary>
public partial class SampleRequestsTests : IDisposable
{
    private readonly AppServer _server = new(new()
    {
        ["GITOPS_WRITE_TOKENS"] = "change-me",
        ["GITOPS_READ_TOKEN"] = "change-me",
        ["GITOPS_ADMIN_TOKEN"] = "change-me",
    });

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Every_sample_request_succeeds()
    {
        var text = await File.ReadAllTextAsync(SamplesPath());
        var variables = Variable().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        var blocks = text.Split("\n###").Skip(1).ToList();

        Assert.True(blocks.Count >= 10, $"only {blocks.Count} sample requests");
        foreach (var block in blocks)
        {
            var lines = Placeholder().Replace(block, m => variables[m.Groups[1].Value]).Split('\n').Skip(1).ToList();
            var start = lines.FindIndex(l => l.Length > 0 && !l.StartsWith('#'));
            var parts = lines[start].Split(' ', 2);
            using var request = new HttpRequestMessage(new HttpMethod(parts[0]), parts[1].Replace("http://localhost:8080", "", StringComparison.Ordinal));
            var blank = lines.FindIndex(start, l => l.Trim().Length == 0);
            var headers = lines[(start + 1)..(blank < 0 ? lines.Count : blank)];
            var body = blank < 0 ? "" : string.Join('\n', lines[blank..]).Trim();
            if (body.Length > 0)
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            foreach (var header in headers.Where(h => !h.StartsWith("Content-Type", StringComparison.OrdinalIgnoreCase)))
                request.Headers.TryAddWithoutValidation(header[..header.IndexOf(':', StringComparison.Ordinal)], header[(header.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());

            var response = await _server.Client.SendAsync(request);

            Assert.True(response.IsSuccessStatusCode, $"{lines[start]} → {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [GeneratedRegex(@"^@(\w+)\s*=\s*(.*)$", RegexOptions.Multiline)]
    private static partial Regex Variable();

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Placeholder();

    private static string SamplesPath([System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "requests", "status.http");
}
