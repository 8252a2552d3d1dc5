using GitOpsStatus.Core.Drift.Fix;

namespace GitOpsStatus.Cli.Output;

/// <summary>The plan <c>revert</c> and <c>adopt</c> print: one line per drifted file, what is done with it and why not.</summary>
internal static class FixText
{
    public static void WritePlan(TextWriter output, string verb, string repo, TargetFix fix, string? repoRoot)
    {
        output.WriteLine(fix.Steps.Count == 0
            ? $"{verb} {repo}/{fix.Target.Server}: SYNCED, nothing to do"
            : $"{verb} {repo}/{fix.Target.Server}: {fix.ToDo} of {fix.Steps.Count} drifted file(s)");
        foreach (var step in fix.Steps)
        {
            var what = $"  {Verb(step.Action),-9} {step.File.Name} ({step.File.Change?.ToString().ToLowerInvariant()})";
            output.WriteLine(step.Action switch
            {
                FixAction.Skip => $"{what}: {step.Why}",
                FixAction.Restore => $"{what}, backup {step.Backup}",
                FixAction.Adopt => $"{what} -> {Path.Join(repoRoot, step.File.RepoPath)}",
                _ => what,
            });
        }
    }

    public static string Verb(FixAction action) => action switch
    {
        FixAction.Restore => "restore",
        FixAction.Recreate => "recreate",
        FixAction.SetMeta => "chmod/own",
        FixAction.Adopt => "adopt",
        _ => "skip",
    };
}
