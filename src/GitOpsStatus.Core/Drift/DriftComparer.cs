using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift;

/// <summary>One drifted file and, for files from the repo, what it was compared with.</summary>
public sealed record Finding(DriftedFile File, WantedFile? Wanted);

/// <summary>Desired hashes against actual ones: missing, modified, then mode and owner; extra files from directory listings (the backups revert leaves are not extra).</summary>
public static class DriftComparer
{
    public static List<Finding> Compare(TargetPlan plan, IReadOnlyList<string?> desiredHashes, ActualSnapshot actual)
    {
        var findings = new List<Finding>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var wantedPaths = new HashSet<string>(plan.Files.Select(f => f.TargetPath), StringComparer.Ordinal);
        for (var i = 0; i < plan.Files.Count; i++)
        {
            var wanted = plan.Files[i];
            var expected = desiredHashes[i] ?? throw new TargetUnavailableException($"the desired file {wanted.LocalPath} disappeared while checking");
            if (!names.Add(wanted.Name))
                continue;
            if (!actual.Files.TryGetValue(wanted.TargetPath, out var found))
                findings.Add(new Finding(Drifted(wanted, expected) with { Change = ChangeKind.Missing }, wanted));
            else if (!string.Equals(found.Sha256, expected, StringComparison.Ordinal))
                findings.Add(new Finding(Drifted(wanted, expected) with { Change = ChangeKind.Modified, ActualSha256 = found.Sha256 }, wanted));
            else if (wanted.Mapping.Mode is { } mode && found.Mode != mode)
                findings.Add(new Finding(Drifted(wanted, expected) with { Change = ChangeKind.Mode, ActualSha256 = found.Sha256, ExpectedMode = FourDigits(mode), ActualMode = FourDigits(found.Mode) }, wanted));
            else if (wanted.Mapping.Owner is { } owner && !OwnerMatches(owner, found.Owner))
                findings.Add(new Finding(Drifted(wanted, expected) with { Change = ChangeKind.Owner, ActualSha256 = found.Sha256, ExpectedOwner = owner, ActualOwner = found.Owner }, wanted));
        }

        // Listed names are looked up as dir + "/" + relative without building that string: 10,000 of them per tree (bench/check/run.sh).
        var wantedLookup = wantedPaths.GetAlternateLookup<ReadOnlySpan<char>>();
        var joined = new char[256];

        foreach (var scan in plan.ExtraScans)
        {
            var matches = Globs.For(scan.Mapping);
            foreach (var relative in actual.Listings.GetValueOrDefault(scan.TargetDir) ?? [])
            {
                if (IsWanted(wantedLookup, ref joined, scan.TargetDir, relative) || !matches(relative) || Fix.Backups.IsBackup(relative))
                    continue;
                var name = TargetPaths.ReportName(scan.Mapping.Dest, relative);
                if (names.Add(name))
                    findings.Add(new Finding(new DriftedFile { Name = Printable(name), Change = ChangeKind.Extra }, null));
            }
        }
        findings.Sort((a, b) => string.CompareOrdinal(a.File.Name, b.File.Name));
        return findings;
    }

    private static DriftedFile Drifted(WantedFile wanted, string expected) =>
        new() { Name = Printable(wanted.Name), RepoPath = Printable(wanted.RepoPath), ExpectedSha256 = expected };

    /// <summary>Whether <c>TargetPaths.Join(dir, relative)</c> is a wanted path (a listed name is never empty and has no leading or trailing '/').</summary>
    private static bool IsWanted(HashSet<string>.AlternateLookup<ReadOnlySpan<char>> wanted, ref char[] buffer, string dir, string relative)
    {
        if (dir.Length == 0)
            return wanted.Contains(relative);
        var head = dir.AsSpan().TrimEnd('/');
        var length = head.Length + 1 + relative.Length;
        if (buffer.Length < length)
            buffer = new char[length * 2];
        head.CopyTo(buffer);
        buffer[head.Length] = '/';
        relative.CopyTo(buffer.AsSpan(head.Length + 1));
        return wanted.Contains(buffer.AsSpan(0, length));
    }

    /// <summary>File names may hold control characters (a newline is legal on Linux); reports carry printable text, so those are escaped like C strings.</summary>
    public static string Printable(string name)
    {
        if (Names.FirstControlChar(name) < 0)
            return name;
        var builder = new System.Text.StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ when char.IsControl(c) => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return builder.ToString();
    }

    /// <summary>Modes are compared as stat prints them ("644"); reports show them as people write them ("0644").</summary>
    private static string? FourDigits(string? mode) => mode?.PadLeft(4, '0');

    /// <summary><c>root</c> compares the user only; <c>root:adm</c> compares both.</summary>
    private static bool OwnerMatches(string expected, string? actual) =>
        actual is not null && (expected.Contains(':', StringComparison.Ordinal)
            ? string.Equals(expected, actual, StringComparison.Ordinal)
            : string.Equals(expected, actual.Split(':')[0], StringComparison.Ordinal));
}
