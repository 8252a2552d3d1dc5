using System.CommandLine;
using System.Text.Json;
using GitOpsStatus.Core.Ansible;
using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary><c>gitops-status push FILE|-</c>: deliver a ready report (or a JSON array of them), as the seed's curl did, with retries and spool.</summary>
internal sealed class PushCommand
{
    private readonly Argument<string> file = new("FILE") { Description = "A report JSON file (an object, or an array as check --format json prints), or - for stdin" };
    private readonly Option<bool> markers = new("--markers") { Description = "FILE is the seed's drift-check output: DRIFTED_FILES=a,b / SYNC_STATUS=… lines, bare or inside Ansible's output" };
    private readonly EnvOption<string?> repo = new("--repo", "GITOPS_REPO", "With --markers: the repo name, unless the markers carry REPO=");
    private readonly EnvOption<string?> server = new("--server", "GITOPS_SERVER", "With --markers: the server name, unless the markers carry SERVER=");
    private readonly EnvOption<string?> source = new("--source", "GITOPS_SOURCE", "With --markers: why the check ran: deploy, cron, manual or free text");
    private readonly EnvOption<string?> interval = new("--interval", "GITOPS_INTERVAL", "With --markers: how often the check runs, e.g. 2m, so the server can show STALE");
    private readonly EnvOption<string?> revision = new("--revision", "GITOPS_REVISION", "With --markers: the desired state's commit", "the git HEAD of the current directory");
    private readonly ReportsOutOptionSet output = new("report");
    private readonly DeliveryOptionSet delivery = new();
    private readonly CliIo io;

    private PushCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new PushCommand(io);
        var command = new Command("push", "Validate and deliver a ready report JSON (or, with --markers, the seed's DRIFTED_FILES=/SYNC_STATUS= output), with the same retries, spool and exit codes as check.\n" + ExitCodes.Help);
        command.Arguments.Add(handler.file);
        foreach (var option in (Option[])[handler.markers, handler.repo, handler.server, handler.source, handler.interval, handler.revision])
            command.Options.Add(option);
        handler.output.AddTo(command);
        handler.delivery.AddTo(command);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var outputFormat = output.OutputFormat(settings);
        var diffs = output.Diffs(settings, outputFormat);
        var send = output.Send(settings);
        var options = send ? delivery.Resolve(settings, io, configUrl: null) : null;
        var path = parse.GetValue(file)!;
        var name = path == "-" ? "stdin" : path;
        byte[] body;
        try
        {
            if (path == "-")
            {
                using var memory = new MemoryStream();
                await using var stdin = io.OpenStdin();
                await stdin.CopyToAsync(memory, cancellationToken);
                body = memory.ToArray();
            }
            else
            {
                body = await File.ReadAllBytesAsync(Path.GetFullPath(path, io.CurrentDirectory), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Cannot read {name}: {e.Message}", e);
        }

        if ((parse.GetValue(markers) ? FromMarkers(settings, body, name) : Read(body, name)) is not { } reports)
            return ExitCodes.Failure;
        var invalid = reports.Select((r, i) => (Index: i, Errors: ReportValidator.Validate(r, DateTimeOffset.UtcNow))).Where(x => x.Errors.Count > 0).ToList();
        foreach (var (index, errors) in invalid)
            io.Err.WriteLine($"gitops-status: {name}{(reports.Count > 1 ? $" report {index}" : "")} is not a valid report: {string.Join("; ", errors.Select(e => $"{e.Field} {e.Message}"))}.");
        if (invalid.Count > 0)
            return ExitCodes.Failure;
        // Quiet by default, as the seed's curl was; --format (or --no-send, which would otherwise do nothing visible) prints them.
        if (parse.GetResult(output.Format) is not null || settings.String(output.Format) is not null || !send)
            ReportsOut.Print(reports, outputFormat, io, diffs);
        return await ReportsOut.DeliverAsync(reports, options, delivery.Spool(settings, io), output.FailsOnDrift(settings), io, cancellationToken);
    }

    /// <summary>The seed's markers as reports; a missing repo or server is a usage error naming the flag.</summary>
    private List<StatusReport>? FromMarkers(Settings settings, byte[] body, string name)
    {
        var interval = settings.Duration(this.interval) is { } every ? Math.Max(1, (long)every.TotalSeconds) : (long?)null;
        var commit = settings.String(revision) ?? GitRevision.Find(io.CurrentDirectory)?.Commit;
        var reports = SeedMarkers.ToReports(System.Text.Encoding.UTF8.GetString(body), settings.String(repo),
            settings.String(server), DateTimeOffset.UtcNow, settings.String(source), interval)
            .Select(r => r with { Revision = r.Revision ?? commit }).ToList();
        if (reports.Count == 0)
        {
            io.Err.WriteLine($"gitops-status: {name} has no DRIFTED_FILES= or SYNC_STATUS= marker; expected the output of the drift-check playbook.");
            return null;
        }
        if (reports.Any(r => r.Repo is null))
            throw new UsageException($"{name} has markers without REPO=: pass --repo NAME (or set {repo.Env}).");
        if (reports.Any(r => r.Server is null))
            throw new UsageException($"{name} has markers without SERVER=: pass --server NAME (or set {server.Env}).");
        return reports;
    }

    private List<StatusReport>? Read(byte[] body, string name)
    {
        var text = body.AsSpan().TrimStart(" \t\r\n"u8);
        if (text.Length > 0 && text[0] == (byte)'[')
        {
            try
            {
                var list = JsonSerializer.Deserialize(text, ReportJson.Default.ListStatusReport);
                if (list is { Count: > 0 } && list.All(r => r is not null))
                    return list;
                io.Err.WriteLine($"gitops-status: {name} holds an empty array or null entries; expected report objects.");
            }
            catch (JsonException e)
            {
                io.Err.WriteLine($"gitops-status: {name} is not a JSON array of reports: {e.Message}");
            }
            return null;
        }
        var (report, error) = ReportParser.Parse(text);
        if (report is not null)
            return [report];
        io.Err.WriteLine($"gitops-status: {name} is not a report: {error!.Field} {error.Message}.");
        return null;
    }
}
