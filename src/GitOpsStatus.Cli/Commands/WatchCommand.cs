using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Cronos;
using GitOpsStatus.Core.Ansible;
using GitOpsStatus.Core.Delivery;
using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Drift.Config;
using GitOpsStatus.Core.Drift.Realtime;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary>
/// <c>gitops-status watch</c>: agent mode. Runs the gitops-status.yaml check and/or an Ansible check on a cron schedule,
/// one run at a time (a run that overruns skips the slots it missed), one log line per run, until SIGTERM or Ctrl-C.
/// </summary>
internal sealed class WatchCommand
{
    public const string DefaultSchedule = "*/2 * * * *";

    private readonly EnvOption<string?> schedule = new("--schedule", "GITOPS_SCHEDULE", "Cron expression (5 fields, or 6 with seconds first), in the local time zone", DefaultSchedule);
    private readonly EnvOption<string?> config = new("--config", "GITOPS_CONFIG", "The config file whose targets are checked", "./gitops-status.yaml, unless --playbook is given", "-c");
    private readonly EnvOption<string?> playbook = new("--playbook", "GITOPS_PLAYBOOK", "Also run this playbook in check mode each time");
    private readonly EnvOption<string?> inventory = new("--inventory", "GITOPS_ANSIBLE_INVENTORY", "The playbook's inventory", null, "-i");
    private readonly EnvOption<bool> acceptNewHostKeys = new("--accept-new-host-keys", "GITOPS_ACCEPT_NEW_HOST_KEYS", "Accept and record keys of hosts not yet in known_hosts");
    private readonly EnvOption<bool> noSend = new("--no-send", "GITOPS_NO_SEND", "Check and log only; do not deliver");
    private readonly EnvOption<bool> realtime = new("--realtime", "GITOPS_REALTIME",
        "Also watch targets' files and deliver a target's report the moment one changes (local: fanotify as root, naming the writer, else inotify; SSH: inotifywait on the host); " +
        "the schedule's full check keeps running", "off, unless the config says realtime: true");
    private readonly AnsibleOptionSet ansible = new();
    private readonly DeliveryOptionSet delivery = new();
    private readonly CliIo io;

    private WatchCommand(CliIo io) => this.io = io;

    public static Command Create(CliIo io)
    {
        var handler = new WatchCommand(io);
        var command = new Command("watch", "Agent mode: run the configured checks on a cron schedule and deliver the reports, with interval_seconds " +
            "set from the schedule so the server shows STALE when the agent stops. Stops cleanly on SIGTERM or Ctrl-C (exit code 0).\n" +
            EnvVariable.Help(EnvVariable.Ssh, EnvVariable.SshTimeout, EnvVariable.AnsiblePlaybook));
        foreach (var option in (Option[])[handler.schedule, handler.config, handler.playbook, handler.inventory, handler.acceptNewHostKeys, handler.noSend, handler.realtime])
            command.Options.Add(option);
        handler.ansible.AddTo(command);
        handler.delivery.AddTo(command);
        command.SetAction(handler.RunAsync);
        return command;
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new Settings(parse, io);
        var cronText = settings.String(schedule) ?? DefaultSchedule;
        var cron = Parse(cronText);
        var clock = io.Time;
        var period = Period(cron, clock.GetUtcNow()) ?? throw new UsageException($"--schedule \"{cronText}\" never fires again.");

        var book = settings.String(playbook);
        var configFile = ConfigFile(settings, book);
        var plan = configFile is null ? null : ConfigLoader.Load(configFile);
        var job = book is null ? null : ansible.Job(settings, io, book, settings.String(inventory), [], from: null, period);
        var source = settings.String(ansible.Source) ?? "watch";
        if (job is not null)
            job = job with { Reports = job.Reports with { Source = source } };
        var options = new CheckOptions
        {
            AcceptNewHostKeys = settings.Flag(acceptNewHostKeys),
            Revision = settings.String(ansible.Revision),
            Source = source,
            IntervalSeconds = job?.Reports.IntervalSeconds ?? period,
            SshProgram = EnvVariable.Ssh.Read(io),
            SilenceTimeout = EnvVariable.SshTimeout.ReadDuration(io),
        };
        var maxDiffBytes = settings.Int(ansible.MaxDiffBytes, 256, 16 * 1024 * 1024);
        var send = !settings.Flag(noSend);
        var deliveryOptions = send ? delivery.Resolve(settings, io, plan?.Url) : null;
        var spool = delivery.Spool(settings, io);

        // Realtime is decided once, at start-up: the flag, its variable, or the config as it was then.
        await using var agent = settings.Flag(realtime) || plan?.Realtime == true
            ? new RealtimeAgent((reports, why, token) => DeliverChangeAsync(reports, why, deliveryOptions, spool, clock, token), message => Log(clock, message))
            : null;
        var what = string.Join(" and ", new[] { plan is null ? null : $"{plan.Targets.Count} target(s) of {plan.Repo}", job is null ? null : $"playbook {Path.GetFileName(job.Playbook)}" }.OfType<string>());
        Log(clock, $"watching {what} on \"{cronText}\" (every {period} s){(agent is null ? "" : " and in realtime")}, checking now; SIGTERM or Ctrl-C stops");
        var runs = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // The first run is at start-up; the next ones on the schedule.
                if (runs > 0)
                {
                    var now = clock.GetUtcNow();
                    if (cron.GetNextOccurrence(now, TimeZoneInfo.Local) is not { } next)
                        break;
                    await Task.Delay(next - now, clock, cancellationToken);
                }
                runs++;
                if (configFile is not null)
                    (plan, deliveryOptions) = Reload(configFile, runs, plan!, deliveryOptions, send, settings, clock);
                var runOptions = options with { MaxDiffBytes = maxDiffBytes ?? plan?.MaxDiffBytes ?? CheckOptions.DefaultMaxDiffBytes };
                Log(clock, await RunOnceAsync(runs, plan, runOptions, job, deliveryOptions, spool, agent, cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
        Log(clock, $"stopped after {runs} run(s)");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The config as it is now, read before every run, so a target added while the agent runs is checked at the next run.
    /// A config that no longer loads is one log line, and the run checks the last good one: a typo must not turn every
    /// target UNKNOWN (or drop it) on the dashboard.
    /// </summary>
    private (CheckPlan Plan, DeliveryOptions? Delivery) Reload(string file, int run, CheckPlan current, DeliveryOptions? currentDelivery, bool send,
        Settings settings, TimeProvider clock)
    {
        try
        {
            var fresh = ConfigLoader.Load(file);
            var freshDelivery = send ? delivery.Resolve(settings, io, fresh.Url) : null;
            var before = current.Targets.Select(t => t.Server).ToHashSet(StringComparer.Ordinal);
            var after = fresh.Targets.Select(t => t.Server).ToHashSet(StringComparer.Ordinal);
            if (!before.SetEquals(after) || fresh.Repo != current.Repo)
            {
                var added = after.Except(before).Order(StringComparer.Ordinal).ToList();
                var removed = before.Except(after).Order(StringComparer.Ordinal).ToList();
                Log(clock, $"{Path.GetFileName(file)} changed: now {after.Count} target(s) of {fresh.Repo}" +
                    (added.Count > 0 ? $"; added {string.Join(", ", added)}" : "") + (removed.Count > 0 ? $"; removed {string.Join(", ", removed)}" : ""));
            }
            return (fresh, freshDelivery);
        }
        catch (Exception e) when (e is ConfigException or UsageException or IOException or UnauthorizedAccessException)
        {
            Log(clock, $"run {run}: {Path.GetFileName(file)} cannot be used, checking the last good one instead: {e.Message.TrimEnd('.')}.");
            return (current, currentDelivery);
        }
    }

    /// <summary>One run: every check, then delivery; any failure is the run's log line, never the end of the agent.</summary>
    private async Task<string> RunOnceAsync(int run, CheckPlan? plan, CheckOptions options, AnsibleJob? job, DeliveryOptions? deliveryOptions,
        Spool spool, RealtimeAgent? agent, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var reports = new List<StatusReport>();
        var problems = new List<string>();
        var failures = new List<string>();
        var deliveredByAgent = 0;
        async Task DeliverAsync(IReadOnlyList<StatusReport> batch)
        {
            if (deliveryOptions is null || batch.Count == 0)
                return;
            // The deliverer logs a line per report; the agent keeps one line per run and quotes the last line when something failed.
            var log = new StringWriter();
            if (!await DeliveryOptionSet.DeliverAsync(batch, deliveryOptions, spool, io with { Err = log }, cancellationToken))
                failures.Add(log.ToString().TrimEnd().Split('\n')[^1].Replace("gitops-status: ", "", StringComparison.Ordinal));
        }
        try
        {
            // The realtime agent delivers its full check itself, under its lock, so a change seen meanwhile is never overtaken by it.
            if (plan is not null && agent is not null)
            {
                reports.AddRange(await agent.CheckAsync(plan, options, DeliverAsync, cancellationToken));
                deliveredByAgent = reports.Count;
            }
            else if (plan is not null)
                reports.AddRange(Scheduled(await CheckRunner.RunAsync(plan, options, cancellationToken: cancellationToken)));
            if (job is not null)
                reports.AddRange(Scheduled(await AnsibleCheck.RunAsync(job, cancellationToken)));
        }
        catch (Exception e) when (e is TargetUnavailableException or FormatException or IOException or ConfigException or UnauthorizedAccessException)
        {
            problems.Add(e.Message);
        }
        var delivered = "not sent (--no-send)";
        if (deliveryOptions is not null && reports.Count > 0)
        {
            await DeliverAsync(reports[deliveredByAgent..]);
            delivered = failures.Count == 0 ? "delivered" : "NOT delivered: " + failures[^1];
        }
        int synced = reports.Count(r => r.SyncStatus == SyncStatus.Synced), drifted = reports.Count(r => r.SyncStatus == SyncStatus.OutOfSync);
        var unknown = reports.Where(r => r.SyncStatus == SyncStatus.Unknown).Select(r => r.Server).ToList();
        var degraded = reports.Where(r => r.Detection == DetectionMode.Degraded).Select(r => r.DetectionError).Distinct().ToList();
        var line = $"run {run}: {reports.Count} report(s): {synced} synced, {drifted} out of sync, {unknown.Count} unknown" +
            (unknown.Count > 0 ? $" ({string.Join(", ", unknown)})" : "") + $"; {delivered}; {clock.ElapsedMilliseconds} ms" +
            (degraded.Count > 0 ? $"; realtime degraded: {string.Join("; ", degraded)}" : "");
        return problems.Count > 0 ? line + "; FAILED: " + string.Join("; ", problems) : line;
    }

    /// <summary>Reports of a schedule without realtime say so.</summary>
    private static IEnumerable<StatusReport> Scheduled(IEnumerable<StatusReport> reports) => reports.Select(r => r with { Detection = DetectionMode.Scheduled });

    /// <summary>A realtime report: delivered at once, one log line each.</summary>
    private async Task DeliverChangeAsync(IReadOnlyList<StatusReport> reports, string why, DeliveryOptions? deliveryOptions, Spool spool, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var delivered = "not sent (--no-send)";
        if (deliveryOptions is not null)
        {
            var log = new StringWriter();
            delivered = await DeliveryOptionSet.DeliverAsync(reports, deliveryOptions, spool, io with { Err = log }, cancellationToken)
                ? "delivered"
                : "NOT delivered: " + log.ToString().TrimEnd().Split('\n')[^1].Replace("gitops-status: ", "", StringComparison.Ordinal);
        }
        foreach (var report in reports)
        {
            var files = (report.Files ?? []).Take(3).Select(f => f.Name + (f.ChangedBy is { } who ? $" by {who.User} ({who.Process}, pid {who.Pid})" : "")).ToList();
            Log(clock, $"{why}: {report.Server}: {report.SyncStatus}" + (files.Count > 0 ? $" ({string.Join(", ", files)}{(report.Files!.Count > 3 ? ", …" : "")})" : "") +
                $", detection {report.Detection}; {delivered}");
        }
    }

    /// <summary>--config when given; else ./gitops-status.yaml, unless a playbook alone is to be watched.</summary>
    private string? ConfigFile(Settings settings, string? playbookPath)
    {
        var configFile = settings.String(config);
        if (configFile is null && playbookPath is not null)
            return null;
        var file = Path.GetFullPath(configFile ?? ConfigLoader.DefaultFileName, io.CurrentDirectory);
        if (File.Exists(file))
            return file;
        throw new UsageException(configFile is not null
            ? $"The config file {file} does not exist."
            : $"Nothing to watch: no {ConfigLoader.DefaultFileName} in {io.CurrentDirectory}; pass --config FILE and/or --playbook PLAYBOOK -i INVENTORY --repo NAME.");
    }

    private static CronExpression Parse(string text)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new UsageException($"--schedule \"{text}\" is not a cron expression ({e.Message.TrimEnd('.')}); expected e.g. \"{DefaultSchedule}\".", e);
        }
    }

    /// <summary>The gap between the next two runs, in seconds: the reports' <c>interval_seconds</c>.</summary>
    private static long? Period(CronExpression cron, DateTimeOffset now) =>
        cron.GetNextOccurrence(now, TimeZoneInfo.Local) is { } first && cron.GetNextOccurrence(first, TimeZoneInfo.Local) is { } second
            ? Math.Max(1, (long)(second - first).TotalSeconds)
            : null;

    private void Log(TimeProvider clock, string message)
    {
        io.Out.WriteLine($"{clock.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} gitops-status watch: {message}");
        io.Out.Flush();
    }
}
