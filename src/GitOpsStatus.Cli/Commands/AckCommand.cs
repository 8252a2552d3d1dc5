using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace GitOpsStatus.Cli.Commands;

/// <summary>
/// <c>gitops-status ack --repo R --server S --reason … --until 2026-12-20</c>: acknowledge a target's current drift on the status
/// server (it stays OUT_OF_SYNC, shown muted, until the date or until its drift changes); <c>--list</c> prints its
/// acknowledgements, <c>--delete</c> ends the current one. The server validates and answers; its refusal is printed as one sentence.
/// </summary>
internal sealed class AckCommand
{
    private readonly EnvOption<string?> repo = new("--repo", "GITOPS_REPO", "The target's repo");
    private readonly EnvOption<string?> server = new("--server", "GITOPS_SERVER", "The target's server");
    private readonly Option<string?> reason = new("--reason") { Description = "Why this drift is accepted (required to acknowledge)" };
    private readonly Option<string?> until = new("--until") { Description = "When the acknowledgement ends: YYYY-MM-DD (00:00 UTC) or an ISO 8601 time, at most 90 days ahead" };
    private readonly Option<string?> by = new("--by") { Description = "Who accepts it (default: the token's name on the server)" };
    private readonly Option<bool> list = new("--list") { Description = "Print the target's acknowledgements (current and past) instead" };
    private readonly Option<bool> delete = new("--delete") { Description = "End the target's current acknowledgement now instead" };
    private readonly EnvOption<string?> url = new("--url", "GITOPS_URL", "Status server base URL");
    private readonly EnvOption<string?> token = new("--token", "GITOPS_TOKEN", "Bearer token: a write token covering the target, or the admin token");
    private readonly EnvOption<string?> timeout = new("--timeout", "GITOPS_TIMEOUT", "Time limit of the request, e.g. 15s", "15s");
    private readonly CliIo io;

    private AckCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new AckCommand(io);
        var command = new Command("ack", "Acknowledge a target's current drift until a date on the status server: it stays OUT_OF_SYNC but is shown muted and "
            + "sends no reminders; it ends by itself (one notification) when the date passes, a drifted file's content changes or another file drifts.\n"
            + "Exit codes: 0 done; 1 the server refused or could not be reached; 2 usage.");
        foreach (var option in (Option[])[handler.repo, handler.server, handler.reason, handler.until, handler.by, handler.list, handler.delete, handler.url,
            handler.token, handler.timeout])
            command.Options.Add(option);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var target = (Repo: settings.String(repo) ?? throw new UsageException($"No repo: pass --repo or set {repo.Env}."),
            Server: settings.String(server) ?? throw new UsageException($"No server: pass --server or set {server.Env}."));
        var baseUrl = settings.String(url) ?? throw new UsageException($"No status server URL: pass --url or set {url.Env}.");
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new UsageException($"The server URL \"{baseUrl}\" is not an http:// or https:// URL.");
        var (listing, deleting) = (parse.GetValue(list), parse.GetValue(delete));
        if (listing && deleting)
            throw new UsageException("Pass --list or --delete, not both.");
        if (!listing && !deleting && (parse.GetValue(reason) is null || parse.GetValue(until) is null))
            throw new UsageException("To acknowledge, pass --reason \"why\" and --until YYYY-MM-DD (or --list, or --delete).");

        var path = $"api/acknowledgements/{Uri.EscapeDataString(target.Server)}/{string.Join('/', target.Repo.Split('/').Select(Uri.EscapeDataString))}";
        using var http = new HttpClient { BaseAddress = new Uri(baseUri.ToString().TrimEnd('/') + "/"), Timeout = settings.Duration(timeout) ?? TimeSpan.FromSeconds(15) };
        using var request = new HttpRequestMessage(listing ? HttpMethod.Get : deleting ? HttpMethod.Delete : HttpMethod.Post, path);
        if (settings.String(token) is { } bearer)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (!listing && !deleting)
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, string?>
            {
                ["reason"] = parse.GetValue(reason),
                ["until"] = parse.GetValue(until),
                ["by"] = parse.GetValue(by),
            }, AckJson.Default.DictionaryStringString);
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            io.Err.WriteLine($"gitops-status: could not reach {baseUri}: {e.Message}");
            return ExitCodes.Failure;
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                io.Err.WriteLine($"gitops-status: the server refused ({(int)response.StatusCode}): {Detail(text)}");
                return ExitCodes.Failure;
            }
            io.Out.WriteLine(text);
            return ExitCodes.Ok;
        }
    }

    /// <summary>A problem's <c>detail</c> (it names each bad field), else the body as it came.</summary>
    private static string Detail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } text)
                return text;
        }
        catch (JsonException)
        {
        }
        return body.Length > 0 ? body : "no reason given";
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class AckJson : System.Text.Json.Serialization.JsonSerializerContext;
