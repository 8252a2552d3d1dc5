using System.Text;
using System.Text.Json;
using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Ansible;

/// <summary>What a report built from Ansible's output carries besides the per-host findings.</summary>
public sealed record AnsibleReportOptions
{
    public required string Repo { get; init; }

    /// <summary>Inventory hostname → server name in the report; hosts not listed keep their inventory name.</summary>
    public IReadOnlyDictionary<string, string> ServerMap { get; init; } = new Dictionary<string, string>();

    public string? Revision { get; init; }
    public string? Source { get; init; }
    public long? IntervalSeconds { get; init; }
    public long? DurationMs { get; init; }
    public DateTimeOffset LastCheck { get; init; } = DateTimeOffset.UtcNow;
    public int MaxDiffBytes { get; init; } = CheckOptions.DefaultMaxDiffBytes;
}

/// <summary>
/// Turns the output of <c>ansible-playbook --check --diff</c> with the <c>ansible.posix.json</c> (or <c>json</c>) stdout
/// callback into one report per host, in the order hosts appear in <c>stats</c>. Every changed result that names a file
/// (<c>dest</c>, <c>path</c> or a diff header) is a drifted file; a host with a failure or unreachable is UNKNOWN with
/// Ansible's message. Diffs run desired → actual like the checker's: Ansible's <c>after</c> is what git wants, <c>before</c>
/// is what the host has, so lines a person added by hand on the host show as <c>+</c>.
/// </summary>
public static class AnsibleResults
{
    /// <summary>The name of <see cref="RootsPlay"/>, by which its results are told from the user's plays.</summary>
    public const string RootsPlayName = "gitops-status: where each host's files live";

    /// <summary>
    /// Run after the user's playbook: each host's <c>gitops_status_root</c> (else <c>root</c>), the directory its tasks
    /// prefix to every path when the host is a stand-in (a local directory, a chroot). Files are named by their path on
    /// the server, as <c>check</c> names them: <c>&lt;root&gt;/etc/x.conf</c> is reported as <c>/etc/x.conf</c>. Debug
    /// runs on the controller, so it costs no connection; <c>always</c> keeps it under <c>--tags</c>.
    /// </summary>
    public const string RootsPlay = $$$"""
        - name: "{{{RootsPlayName}}}"
          hosts: all
          gather_facts: false
          tasks:
            - name: root
              ansible.builtin.debug:
                msg: "{{ gitops_status_root | default(root | default('')) }}"
              ignore_errors: true
              tags: [always]

        """;

    public static IReadOnlyList<StatusReport> ToReports(ReadOnlySpan<byte> json, AnsibleReportOptions options)
    {
        using var document = Parse(json);
        var root = document.RootElement;
        var hosts = new Dictionary<string, HostState>(StringComparer.Ordinal);
        var hasStats = root.TryGetProperty("stats", out var stats) && stats.ValueKind == JsonValueKind.Object;
        HostState Host(string name) => hosts.TryGetValue(name, out var state) ? state : hosts[name] = new HostState { TrustResults = !hasStats };
        var (roots, rootsOnly) = Roots(root);

        // stats lists every host the play ran on, including hosts where every task was skipped.
        if (hasStats)
        {
            foreach (var host in stats.EnumerateObject())
            {
                var state = Host(host.Name);
                state.Failed = Int(host.Value, "failures") > 0 || Int(host.Value, "unreachable") > 0;
            }
        }
        foreach (var task in Tasks(root))
        {
            if (!task.TryGetProperty("hosts", out var results) || results.ValueKind != JsonValueKind.Object)
                continue;
            var taskName = task.TryGetProperty("task", out var t) && t.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            foreach (var host in results.EnumerateObject())
                Collect(Host(host.Name), taskName, host.Value);
        }
        var withDuration = options.DurationMs is null ? options with { DurationMs = PlayDurationMs(root) } : options;
        // A host that only the roots play ran on (hosts: all) is not one the user's playbook checks.
        return hosts.Where(h => !rootsOnly.Contains(h.Key))
            .Select(h => Report(h.Key, h.Value, roots.GetValueOrDefault(h.Key), withDuration)).ToList();
    }

    /// <summary>Each host's root from <see cref="RootsPlay"/>'s results, and the hosts that ran no task of any other play.</summary>
    private static (Dictionary<string, string> Roots, HashSet<string> RootsOnly) Roots(JsonElement root)
    {
        var roots = new Dictionary<string, string>(StringComparer.Ordinal);
        var inRootsPlay = new HashSet<string>(StringComparer.Ordinal);
        var inOtherPlays = new HashSet<string>(StringComparer.Ordinal);
        foreach (var play in Plays(root))
        {
            var isRoots = play.TryGetProperty("play", out var info) && Text(info, "name") == RootsPlayName;
            foreach (var task in TasksOf(play))
            {
                if (!task.TryGetProperty("hosts", out var results) || results.ValueKind != JsonValueKind.Object)
                    continue;
                foreach (var host in results.EnumerateObject())
                {
                    (isRoots ? inRootsPlay : inOtherPlays).Add(host.Name);
                    // Only an absolute directory other than / changes a name.
                    if (isRoots && Text(host.Value, "msg") is { Length: > 1 } dir && dir.StartsWith('/') && dir.TrimEnd('/') is { Length: > 0 } trimmed)
                        roots[host.Name] = trimmed;
                }
            }
        }
        inRootsPlay.ExceptWith(inOtherPlays);
        return (roots, inRootsPlay);
    }

    /// <summary>A file's name as <c>check</c> gives it: the path on the server, without the host's root.</summary>
    private static string OnServer(string name, string? hostRoot) =>
        hostRoot is not null && name.Length > hostRoot.Length && name.StartsWith(hostRoot, StringComparison.Ordinal) && name[hostRoot.Length] == '/'
            ? name[hostRoot.Length..]
            : name;

    /// <summary>From the first play's start to the last play's end, as the callback recorded them (for saved output).</summary>
    private static long? PlayDurationMs(JsonElement root)
    {
        DateTimeOffset? first = null, last = null;
        foreach (var play in root.GetProperty("plays").EnumerateArray())
        {
            if (!play.TryGetProperty("play", out var info) || !info.TryGetProperty("duration", out var duration))
                continue;
            if (duration.TryGetProperty("start", out var start) && start.TryGetDateTimeOffset(out var s))
                first ??= s;
            if (duration.TryGetProperty("end", out var end) && end.TryGetDateTimeOffset(out var e))
                last = e;
        }
        return first is { } from && last is { } to && to >= from ? (long)(to - from).TotalMilliseconds : null;
    }

    private static JsonDocument Parse(ReadOnlySpan<byte> json)
    {
        // Warnings or a banner can precede the JSON object on stdout; it starts at the first line that opens with '{'.
        var start = json.IndexOf("\n{"u8);
        var body = json.TrimStart(" \t\r\n"u8) is [(byte)'{', ..] ? json : start >= 0 ? json[(start + 1)..] : json;
        try
        {
            // The callback prints a document after each playbook of the run, each holding every play so far: the last one is the run.
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
            var document = JsonDocument.ParseValue(ref reader);
            while (reader.Read())
            {
                document.Dispose();
                document = JsonDocument.ParseValue(ref reader);
            }
            return document;
        }
        catch (JsonException e)
        {
            throw new FormatException($"Ansible's output is not the JSON callback's document ({e.Message}); run ansible-playbook with ANSIBLE_STDOUT_CALLBACK=ansible.posix.json.", e);
        }
    }

    private static IEnumerable<JsonElement> Tasks(JsonElement root) => Plays(root)
        .Where(p => !(p.TryGetProperty("play", out var info) && Text(info, "name") == RootsPlayName))
        .SelectMany(TasksOf);

    private static JsonElement.ArrayEnumerator Plays(JsonElement root) =>
        root.TryGetProperty("plays", out var plays) && plays.ValueKind == JsonValueKind.Array
            ? plays.EnumerateArray()
            : throw new FormatException("Ansible's JSON output has no \"plays\" array; expected the output of the ansible.posix.json stdout callback.");

    private static IEnumerable<JsonElement> TasksOf(JsonElement play) =>
        play.TryGetProperty("tasks", out var tasks) && tasks.ValueKind == JsonValueKind.Array ? tasks.EnumerateArray() : [];

    private static void Collect(HostState state, string taskName, JsonElement result)
    {
        if (Bool(result, "unreachable") || (Bool(result, "failed") && !Bool(result, "ignore_errors")))
        {
            var message = Text(result, "msg") ?? Text(result, "stderr") ?? "failed";
            state.Error ??= $"{(Bool(result, "unreachable") ? "unreachable" : "failed")} at task \"{taskName}\": {message.Trim()}";
            // stats know which failures were ignored (ignore_errors); without them every failure counts.
            state.Failed |= state.TrustResults;
        }
        // A loop's items each carry their own result.
        if (result.TryGetProperty("results", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                    Collect(state, taskName, item);
            }
            return;
        }
        if (!Bool(result, "changed") || Bool(result, "skipped") || FileName(result) is not { } name)
            return;
        var file = state.Files.TryGetValue(name, out var existing) ? existing : state.Files[name] = new FileState();
        file.Censored |= result.TryGetProperty("censored", out _);
        AddDiffs(file, result);
    }

    /// <summary>The file a result names: <c>dest</c>, else <c>path</c>, else the module's <c>dest</c>/<c>path</c> argument, else the first diff header (without Ansible's " (content)" suffix).</summary>
    private static string? FileName(JsonElement result)
    {
        if (Text(result, "dest") is { Length: > 0 } dest)
            return dest;
        if (Text(result, "path") is { Length: > 0 } path)
            return path;
        // copy to a file the host lacks reports neither dest nor a header: only the module's arguments name it.
        if (result.TryGetProperty("invocation", out var invocation) && invocation.TryGetProperty("module_args", out var args)
            && (Text(args, "dest") ?? Text(args, "path")) is { Length: > 0 } argument)
            return argument;
        foreach (var diff in Diffs(result))
        {
            if (Text(diff, "before_header") is { Length: > 0 } header && !header.StartsWith("/dev/null", StringComparison.Ordinal))
                return StripSuffix(header);
        }
        return null;
    }

    private static string StripSuffix(string header)
    {
        var paren = header.LastIndexOf(" (", StringComparison.Ordinal);
        return paren > 0 && header.EndsWith(')') ? header[..paren] : header;
    }

    private static IEnumerable<JsonElement> Diffs(JsonElement result)
    {
        if (!result.TryGetProperty("diff", out var diff))
            yield break;
        if (diff.ValueKind == JsonValueKind.Object)
            yield return diff;
        else if (diff.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in diff.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object)
                    yield return entry;
            }
        }
    }

    private static void AddDiffs(FileState file, JsonElement result)
    {
        foreach (var diff in Diffs(result))
        {
            diff.TryGetProperty("before", out var before);
            diff.TryGetProperty("after", out var after);
            if (before.ValueKind == JsonValueKind.String && after.ValueKind == JsonValueKind.String)
            {
                file.Content ??= (before.GetString()!, after.GetString()!);
                file.Content = (file.Content.Value.Before, after.GetString()!); // later tasks on the same file build on earlier ones
                // A file the host lacks: copy and template diff from "" with no before_header.
                file.Kinds.Add(before.GetString()!.Length == 0 && !diff.TryGetProperty("before_header", out _) ? ChangeKind.Missing : ChangeKind.Modified);
            }
            else if (before.ValueKind == JsonValueKind.Object && after.ValueKind == JsonValueKind.Object)
            {
                if (Text(before, "state") == "absent" && Text(after, "state") != "absent")
                    file.Kinds.Add(ChangeKind.Missing);
                if (Differs(before, after, "mode"))
                    file.Kinds.Add(ChangeKind.Mode);
                if (Differs(before, after, "owner") || Differs(before, after, "group"))
                    file.Kinds.Add(ChangeKind.Owner);
            }
        }
    }

    private static bool Differs(JsonElement before, JsonElement after, string field) =>
        after.TryGetProperty(field, out var a) && (!before.TryGetProperty(field, out var b) || a.ToString() != b.ToString());

    private static StatusReport Report(string host, HostState state, string? hostRoot, AnsibleReportOptions options)
    {
        var report = new StatusReport
        {
            Repo = options.Repo,
            Server = options.ServerMap.TryGetValue(host, out var mapped) ? mapped : host,
            LastCheck = options.LastCheck,
            Revision = options.Revision,
            Source = options.Source,
            IntervalSeconds = options.IntervalSeconds,
            DurationMs = options.DurationMs,
            Checker = DriftChecker.CheckerName + " (ansible)",
        };
        if (state.Failed)
        {
            var error = state.Error ?? "Ansible reported a failure on this host";
            if (error.Length > ReportValidator.MaxErrorLength)
                error = error[..(ReportValidator.MaxErrorLength - 1)] + "…";
            return report with { SyncStatus = SyncStatus.Unknown, DriftCount = 0, Files = [], Error = error };
        }
        var budget = DriftChecker.ReportDiffBudget;
        var files = new List<DriftedFile>();
        foreach (var (name, file) in state.Files.Select(f => (Name: OnServer(f.Key, hostRoot), f.Value)).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var drifted = file.ToDrifted(name, report.Server!, options.MaxDiffBytes);
            if (drifted.Diff is { } diff && diff.Length > budget)
                drifted = drifted with { Diff = "[diff omitted: the report's diff budget is used up by earlier files]\n" };
            budget -= drifted.Diff?.Length ?? 0;
            files.Add(drifted);
        }
        return report with { SyncStatus = files.Count == 0 ? SyncStatus.Synced : SyncStatus.OutOfSync, DriftCount = files.Count, Files = files };
    }

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long Int(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.TryGetInt64(out var i) ? i : 0;

    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Array => string.Join('\n', v.EnumerateArray().Select(x => x.ToString())),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => v.ToString(),
    } : null;

    private sealed class HostState
    {
        public bool Failed { get; set; }
        public bool TrustResults { get; init; }
        public string? Error { get; set; }
        public Dictionary<string, FileState> Files { get; } = new(StringComparer.Ordinal);
    }

    private sealed class FileState
    {
        public (string Before, string After)? Content { get; set; }
        public bool Censored { get; set; }
        public SortedSet<string> Kinds { get; } = new(StringComparer.Ordinal);

        public DriftedFile ToDrifted(string name, string server, int maxDiffBytes)
        {
            // One change per file on the wire: what is missing or different in content matters more than its attributes.
            var change = Kinds.Contains(ChangeKind.Missing) ? ChangeKind.Missing
                : Kinds.Contains(ChangeKind.Modified) || Kinds.Count == 0 ? ChangeKind.Modified
                : Kinds.Contains(ChangeKind.Mode) ? ChangeKind.Mode : ChangeKind.Owner;
            if (Censored || Content is not { } content)
                return new DriftedFile { Name = name, Change = change };
            var desired = Encoding.UTF8.GetBytes(content.After);
            var actual = Encoding.UTF8.GetBytes(content.Before);
            // Against an empty side DiffPlex would count the final newline as one more (empty) line.
            var desiredText = content.Before.Length == 0 && content.After.EndsWith('\n') ? desired[..^1] : desired;
            var (diff, binary) = DiffText.Build(desiredText, actual, $"ansible:{name}", $"{server}:{name}", maxDiffBytes);
            return new DriftedFile
            {
                Name = name,
                Change = change,
                ExpectedSha256 = FileHasher.Hash(desired),
                ActualSha256 = change == ChangeKind.Missing ? null : FileHasher.Hash(actual),
                Diff = diff,
                Binary = binary ? true : null,
            };
        }
    }
}
