using System.CommandLine;
using GitOpsStatus.Cli.Output;
using GitOpsStatus.Core.Drift;
using GitOpsStatus.Core.Drift.Fix;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Commands;

/// <summary>
/// What <c>revert</c> and <c>adopt</c> share: the targets (as <c>check</c> takes them), <c>--target</c> to pick some, and
/// <c>--yes</c>; then, per target, the plan printed and, only with <c>--yes</c>, carried out.
/// </summary>
internal sealed class FixRun(string verb)
{
    public readonly TargetOptionSet Targets = new();
    public readonly EnvOption<string[]> Only = new("--target", "GITOPS_TARGET", "Only this target (its server name); repeat for more", "every target") { AllowMultipleArgumentsPerToken = false };

    // No environment variable on purpose: a setting that confirms changes to servers for every run is one nobody should inherit.
    public readonly Option<bool> Yes = new("--yes", "-y") { Description = $"Make the changes; without it, {verb} prints what it would do, changes nothing and exits with 2" };

    public void AddTo(Command command)
    {
        Targets.AddTo(command);
        command.Options.Add(Only);
        command.Options.Add(Yes);
    }

    /// <summary>The plan, narrowed to the <c>--target</c> names.</summary>
    public CheckPlan Plan(Settings settings, CliIo io)
    {
        var plan = Targets.Plan(settings, io);
        var only = settings.Values(Only).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        if (only.Count == 0)
            return plan;
        if (only.FirstOrDefault(name => plan.Targets.All(t => t.Server != name)) is { } unknown)
            throw new UsageException($"--target \"{unknown}\" is not a target of {plan.Repo}; its targets are {string.Join(", ", plan.Targets.Select(t => t.Server))}.");
        return plan with { Targets = [.. plan.Targets.Where(t => only.Contains(t.Server))] };
    }

    /// <summary>Plans each target, prints the plan to <paramref name="planOut"/>, and with <paramref name="yes"/> carries it out.</summary>
    public async Task<Outcome> RunAsync(CheckPlan plan, CheckOptions options, bool adopt, bool includeSensitive, bool yes, TextWriter planOut, CliIo io,
        CancellationToken cancellationToken)
    {
        var checker = new DriftChecker(plan, options);
        var now = io.Time.GetUtcNow();
        var outcome = new Outcome();
        foreach (var target in plan.Targets)
        {
            try
            {
                await using var fix = await TargetFix.PlanAsync(checker, target, adopt, includeSensitive, now, cancellationToken);
                FixText.WritePlan(planOut, verb, plan.Repo, fix, adopt ? checker.RepoRoot : null);
                outcome.ToDo += fix.ToDo;
                if (!yes || fix.ToDo == 0)
                    continue;
                var errors = await fix.ApplyAsync(cancellationToken);
                for (var i = 0; i < errors.Count; i++)
                {
                    if (errors[i] is { } error)
                        io.Err.WriteLine($"gitops-status: {FixText.Verb(fix.Steps[i].Action)} {fix.Steps[i].File.Name} on {target.Server} failed: {error}");
                }
                outcome.Done += errors.Count(e => e is null) - fix.Steps.Count(s => s.Action == FixAction.Skip);
                outcome.Failed |= errors.Any(e => e is not null);
            }
            catch (Exception e) when (e is TargetUnavailableException or IOException or UnauthorizedAccessException or FormatException)
            {
                io.Err.WriteLine($"gitops-status: cannot {verb} {plan.Repo}/{target.Server}: {e.Message.TrimEnd('.')}.");
                outcome.Failed = true;
            }
        }
        return outcome;
    }

    /// <summary>The exit code when nothing was changed for want of <c>--yes</c>, or null to go on.</summary>
    public int? WithoutYes(Outcome outcome, CliIo io)
    {
        if (outcome.ToDo == 0)
            return outcome.Failed ? ExitCodes.Failure : null;
        io.Err.WriteLine($"gitops-status: nothing was changed; pass --yes to {verb} the {outcome.ToDo} file(s) above.");
        return ExitCodes.Usage;
    }

    public sealed class Outcome
    {
        public int ToDo { get; set; }
        public int Done { get; set; }
        public bool Failed { get; set; }
    }
}
