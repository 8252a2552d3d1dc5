using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Drift.Fix;

/// <summary>
/// <c>revert</c> and <c>adopt</c> for one target: the check's own findings and symlink guard decide what may be touched
/// (<see cref="PlanAsync"/>), then <see cref="ApplyAsync"/> does it through the same connection. Never touches a file the plan
/// skips: extra files, sensitive ones (revert only with <c>includeSensitive</c>; adopt never), and any path that leads
/// outside its mapped directory through a symlink.
/// </summary>
public sealed class TargetFix : IAsyncDisposable
{
    /// <summary>Largest host file adopt copies into the repo.</summary>
    public const int MaxAdoptBytes = 16 * 1024 * 1024;

    private readonly IActualFiles actual;

    private TargetFix(TargetSpec target, IActualFiles actual, bool adopt, IReadOnlyList<FixStep> steps)
    {
        Target = target;
        this.actual = actual;
        IsAdopt = adopt;
        Steps = steps;
    }

    public TargetSpec Target { get; }
    public bool IsAdopt { get; }
    public IReadOnlyList<FixStep> Steps { get; }
    public int ToDo => Steps.Count(s => s.Action != FixAction.Skip);

    /// <summary>Checks <paramref name="target"/> and plans the fix; throws <see cref="TargetUnavailableException"/> when it cannot be read.</summary>
    public static async Task<TargetFix> PlanAsync(DriftChecker checker, TargetSpec target, bool adopt, bool includeSensitive, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var actual = checker.Open(target);
        try
        {
            var (_, findings) = await checker.FindAsync(actual, target, cancellationToken);
            var ask = new List<string>();
            foreach (var wanted in findings.Select(f => f.Wanted).OfType<WantedFile>())
            {
                ask.Add(wanted.TargetDir);
                ask.AddRange(findings.Any(f => f.Wanted == wanted && f.File.Change == ChangeKind.Missing) ? Ancestors(wanted.TargetPath, target.Location.Root) : [wanted.TargetPath]);
            }
            var distinct = ask.Distinct(StringComparer.Ordinal).ToList();
            var answers = distinct.Count == 0 ? [] : await actual.ResolveAsync(distinct, cancellationToken);
            var resolved = distinct.Select((p, i) => (p, answers[i])).ToDictionary(x => x.p, x => x.Item2, StringComparer.Ordinal);
            var planner = new Planner(target, resolved, includeSensitive, now);
            var steps = findings.Select(f => adopt ? planner.Adopt(f) : planner.Revert(f)).ToList();
            return new TargetFix(target, actual, adopt, steps);
        }
        catch
        {
            await actual.DisposeAsync();
            throw;
        }
    }

    /// <summary>Carries out the steps that are not skipped, in order; returns each one's error (null when done), for every step.</summary>
    public async Task<IReadOnlyList<string?>> ApplyAsync(CancellationToken cancellationToken)
    {
        var todo = Steps.Where(s => s.Action != FixAction.Skip).ToList();
        var errors = todo.Count == 0 ? [] : IsAdopt ? await AdoptAsync(todo, cancellationToken) : await actual.ApplyAsync([.. todo.Select(s => s.Write!)], cancellationToken);
        return Steps.Select(s => s.Action == FixAction.Skip ? null : errors[todo.IndexOf(s)]).ToList();
    }

    private async Task<IReadOnlyList<string?>> AdoptAsync(List<FixStep> todo, CancellationToken cancellationToken)
    {
        var contents = await actual.ReadAsync([.. todo.Select(s => s.Write!.Path)], MaxAdoptBytes, cancellationToken);
        return todo.Select((step, i) => contents[i] is { } bytes
            ? WriteRepoFile(step.RepoFile!, bytes)
            : $"cannot read {step.Write!.Path} on the target, or it is larger than {MaxAdoptBytes / 1024 / 1024} MiB").ToList();
    }

    /// <summary>Temp file and rename, keeping the repo file's mode (git tracks its executable bit).</summary>
    private static string? WriteRepoFile(string path, byte[] bytes)
    {
        var temp = path + ".gitops-status-tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            if (!OperatingSystem.IsWindows() && File.Exists(path))
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            return e.Message;
        }
    }

    public ValueTask DisposeAsync() => actual.DisposeAsync();

    /// <summary>The directories above a target path, nearest first, up to the target's root.</summary>
    private static IEnumerable<string> Ancestors(string path, string root)
    {
        for (var dir = TargetPaths.Parent(path); ; dir = TargetPaths.Parent(dir))
        {
            yield return dir;
            if (dir == "/" || dir.Length <= root.TrimEnd('/').Length)
                yield break;
        }
    }

    private sealed class Planner(TargetSpec target, Dictionary<string, string?> resolved, bool includeSensitive, DateTimeOffset now)
    {
        public FixStep Revert(Finding finding)
        {
            var file = finding.File;
            if (finding.Wanted is not { } wanted)
                return new FixStep(file, FixAction.Skip, "an extra file: revert deletes nothing; remove it by hand, or add it to the repo");
            if (file.Change == ChangeKind.Missing)
                return Recreate(file, wanted);
            var (path, refused) = Existing(wanted);
            if (refused is not null)
                return new FixStep(file, FixAction.Skip, refused);
            if ((wanted.Sensitive || Sensitivity.LeadsToSensitiveBecause(wanted, path!, resolved[wanted.TargetDir]!) is not null) && !includeSensitive)
                return new FixStep(file, FixAction.Skip, "sensitive: pass --include-sensitive to restore it");
            var (mode, owner) = (wanted.Mapping.Mode, wanted.Mapping.Owner);
            if (file.Change != ChangeKind.Modified)
                return new FixStep(file, FixAction.SetMeta) { Write = new FileWrite(path!, null, null, mode, owner) };
            var backup = Backups.NameFor(path!, now);
            return new FixStep(file, FixAction.Restore) { Backup = backup, Write = new FileWrite(path!, File.ReadAllBytes(wanted.LocalPath), backup, mode, owner) };
        }

        public FixStep Adopt(Finding finding)
        {
            var file = finding.File;
            if (finding.Wanted is not { } wanted)
                return new FixStep(file, FixAction.Skip, "an extra file: the repo has no path for it; copy it into the repo by hand");
            if (file.Change == ChangeKind.Missing)
                return new FixStep(file, FixAction.Skip, $"missing on the host: adopt deletes nothing from the repo; remove {file.RepoPath} yourself if that is intended");
            if (file.Change != ChangeKind.Modified)
                return new FixStep(file, FixAction.Skip, "only its mode or owner differs: change mode: or owner: in the config to adopt it");
            if (wanted.Sensitive)
                return new FixStep(file, FixAction.Skip, "sensitive: adopt never copies a sensitive file's contents");
            var (path, refused) = Existing(wanted);
            if (refused is not null || (refused = Sensitivity.LeadsToSensitiveBecause(wanted, path!, resolved[wanted.TargetDir]!)) is not null)
                return new FixStep(file, FixAction.Skip, refused);
            return new FixStep(file, FixAction.Adopt) { Write = new FileWrite(path!, null, null, null, null), RepoFile = wanted.LocalPath };
        }

        /// <summary>The resolved path of an existing file, or why it must not be followed (the check's own guard).</summary>
        private (string? Path, string? Refused) Existing(WantedFile wanted)
        {
            var path = resolved[wanted.TargetPath];
            return Sensitivity.OutsideBecause(wanted, path, resolved[wanted.TargetDir]) is { } outside
                ? (null, outside + "; not followed")
                : (path, null);
        }

        /// <summary>
        /// A missing file is written under its nearest existing directory, resolved; inside the mapped directory that one
        /// must resolve inside it too, or a symlinked subdirectory would carry the write elsewhere. Directories below it
        /// do not exist yet, so mkdir -p creates real ones.
        /// </summary>
        private FixStep Recreate(DriftedFile file, WantedFile wanted)
        {
            if (wanted.Sensitive && !includeSensitive)
                return new FixStep(file, FixAction.Skip, "sensitive: pass --include-sensitive to recreate it");
            var nearest = Ancestors(wanted.TargetPath, target.Location.Root).FirstOrDefault(d => resolved[d] is not null);
            if (nearest is null)
                return new FixStep(file, FixAction.Skip, $"no directory above {wanted.TargetPath} could be resolved on the target");
            var real = resolved[nearest]!;
            var mapped = wanted.TargetDir.TrimEnd('/');
            if ((nearest == mapped || nearest.StartsWith(mapped + "/", StringComparison.Ordinal)) && resolved[wanted.TargetDir] is { } realDir
                && real != realDir && !real.StartsWith(realDir.TrimEnd('/') + "/", StringComparison.Ordinal))
                return new FixStep(file, FixAction.Skip, $"its directory {nearest} is a symlink to {real}, outside the mapped directory {wanted.TargetDir}; not followed");
            var path = TargetPaths.Join(real, wanted.TargetPath[nearest.Length..]);
            var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(wanted.LocalPath) & UnixFileMode.UserExecute) != 0;
            return new FixStep(file, FixAction.Recreate)
            {
                Write = new FileWrite(path, File.ReadAllBytes(wanted.LocalPath), null, wanted.Mapping.Mode, wanted.Mapping.Owner, executable ? "755" : "644"),
            };
        }
    }
}
