using System.Globalization;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift.Realtime;

/// <summary>
/// Who a pid is, read from <c>/proc/&lt;pid&gt;</c> the moment its event is read: effective uid and its name, the login
/// uid (the person behind <c>sudo</c>), <c>comm</c>, <c>exe</c>, and the names of its ancestors up to its session.
/// A process already gone is null: the caller leaves <c>changed_by</c> out rather than guess. A pid reused between
/// the write and this read (milliseconds) would be misnamed; fanotify's pidfd reporting would close that, at a file
/// per event on the whole filesystem. A burst from one process reads <c>/proc</c> once per second, not per event.
/// </summary>
internal sealed class ProcessIdentity
{
    private const int MaxParents = ReportValidator.MaxParents;
    private readonly Dictionary<int, (FileChangedBy Who, DateTimeOffset Read)> recent = [];
    private Dictionary<long, string>? users;
    private DateTimeOffset usersRead;

    public FileChangedBy? Of(int pid, DateTimeOffset at)
    {
        if (pid <= 0 || pid == Environment.ProcessId)
            return null;
        if (recent.TryGetValue(pid, out var known) && at - known.Read < TimeSpan.FromSeconds(1))
            return known.Who with { At = at };
        if (recent.Count > 1024)
            recent.Clear();
        var who = Read(pid, at);
        if (who is not null)
            recent[pid] = (who, at);
        return who;
    }

    private FileChangedBy? Read(int pid, DateTimeOffset at)
    {
        try
        {
            var status = Status(pid);
            if (status.Uid is not { } uid)
                return null;
            var loginUid = long.TryParse(File.ReadAllText($"/proc/{pid}/loginuid").Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var login)
                           && login != uint.MaxValue ? login : (long?)null;
            string? exe;
            try
            {
                exe = new FileInfo($"/proc/{pid}/exe").LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                exe = null;
            }
            return new FileChangedBy
            {
                User = Text(UserName(uid), ReportValidator.MaxChangedByText),
                Uid = uid,
                LoginUser = loginUid is { } l ? Text(UserName(l), ReportValidator.MaxChangedByText) : null,
                Process = Text(status.Name ?? "?", ReportValidator.MaxChangedByText),
                Exe = exe is null ? null : Text(exe, ReportValidator.MaxExeLength),
                Pid = pid,
                Parents = Parents(status.ParentPid, Session(pid)),
                At = at,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone already
        }
    }

    /// <summary>Ancestors' names, nearest first, through the session leader and the one that started the session (sshd, login, tmux).</summary>
    private static List<string>? Parents(int parent, int session)
    {
        var names = new List<string>();
        var pastLeader = false;
        for (var pid = parent; pid > 1 && names.Count < MaxParents;)
        {
            var status = Status(pid);
            names.Add(Text(status.Name ?? "?", ReportValidator.MaxChangedByText));
            if (pastLeader)
                break;
            pastLeader = pid == session;
            pid = status.ParentPid;
        }
        return names.Count == 0 ? null : names;
    }

    private static (string? Name, long? Uid, int ParentPid) Status(int pid)
    {
        string? name = null;
        long? uid = null;
        var parent = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("Name:", StringComparison.Ordinal))
                name = line[5..].Trim();
            else if (line.StartsWith("Uid:", StringComparison.Ordinal))
                uid = long.Parse(line[4..].Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            else if (line.StartsWith("PPid:", StringComparison.Ordinal))
                parent = int.Parse(line[5..].Trim(), CultureInfo.InvariantCulture);
        }
        return (name, uid, parent);
    }

    /// <summary>The session id: field 6 of <c>/proc/pid/stat</c>, counted after the parenthesised command name.</summary>
    private static int Session(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[3], CultureInfo.InvariantCulture);
    }

    /// <summary>The account name from /etc/passwd; the number itself for an account it does not list (NSS, LDAP).</summary>
    private string UserName(long uid)
    {
        // Read again for an unknown uid, at most every 10 s: an account made after the agent started.
        if (users is null || (!users.ContainsKey(uid) && DateTimeOffset.UtcNow - usersRead > TimeSpan.FromSeconds(10)))
        {
            users = [];
            usersRead = DateTimeOffset.UtcNow;
            try
            {
                foreach (var line in File.ReadLines("/etc/passwd"))
                {
                    var parts = line.Split(':');
                    if (parts.Length > 2 && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                        users.TryAdd(id, parts[0]);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No names: numbers then.
            }
        }
        return users.TryGetValue(uid, out var name) ? name : uid.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Printable and bounded, as the report contract wants (a process may name itself anything).</summary>
    private static string Text(string value, int max)
    {
        var printable = DriftComparer.Printable(value);
        return printable.Length <= max ? printable : printable[..(max - 1)] + "…";
    }
}
