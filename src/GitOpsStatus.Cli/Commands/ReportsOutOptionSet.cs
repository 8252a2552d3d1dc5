using System.CommandLine;

namespace GitOpsStatus.Cli.Commands;

/// <summary>The options <c>check</c> and <c>ansible</c> share for what happens to their reports: output format, whether to send, drift exit code.</summary>
/// <param name="checkedThing">What one report is about in the help text: "target" or "host".</param>
internal sealed class ReportsOutOptionSet(string checkedThing)
{
    public readonly EnvOption<string?> Format = new("--format", "GITOPS_FORMAT", "text, json (the reports) or markers (DRIFTED_FILES=/SYNC_STATUS= lines)", "text");
    public readonly EnvOption<bool> FailOnDrift = new("--fail-on-drift", "GITOPS_FAIL_ON_DRIFT", $"Exit with 3 when a {checkedThing} is OUT_OF_SYNC");
    public readonly EnvOption<bool> Diff = new("--diff", "GITOPS_DIFF", "With --format text: print each drifted file's diff");
    public readonly EnvOption<bool> NoSend = new("--no-send", "GITOPS_NO_SEND", "Check and print only; do not deliver");

    public void AddTo(Command command)
    {
        command.Options.Add(Format);
        command.Options.Add(FailOnDrift);
        command.Options.Add(NoSend);
        command.Options.Add(Diff);
    }

    public string OutputFormat(Settings settings)
    {
        var outputFormat = (settings.String(Format) ?? "text").ToLowerInvariant();
        return outputFormat is "text" or "json" or "markers"
            ? outputFormat
            : throw new UsageException($"--format is \"{outputFormat}\"; expected text, json or markers.");
    }

    public bool Diffs(Settings settings, string outputFormat) =>
        settings.Flag(Diff) && (outputFormat == "text"
            ? true
            : throw new UsageException($"--diff applies to --format text; --format {outputFormat} carries the diffs in its own way."));

    public bool Send(Settings settings) => !settings.Flag(NoSend);

    public bool FailsOnDrift(Settings settings) => settings.Flag(FailOnDrift);
}
