using System.CommandLine;
using System.CommandLine.Invocation;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;

namespace GitOpsStatus.Cli;

/// <summary>`--version`: the version and which build answered — the Native AOT binary or the framework-dependent
/// fallback — so a user can tell what `dotnet tool install` or a tarball gave them.</summary>
internal sealed class VersionLine : SynchronousCommandLineAction
{
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location is the sign of the Native AOT build asked for here.")]
    public static string Text()
    {
        var version = typeof(VersionLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        // A Native AOT binary has no assembly files, so Location is empty (IsDynamicCodeSupported is not a test:
        // PublishAot turns it off in the JIT build's runtimeconfig too).
        var build = typeof(VersionLine).Assembly.Location.Length == 0
            ? "Native AOT"
            : $"framework-dependent, .NET {Environment.Version}";
        return $"gitops-status {version} ({build}, {RuntimeInformation.RuntimeIdentifier})";
    }

    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(Text());
        return 0;
    }
}
