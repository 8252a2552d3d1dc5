using System.Globalization;
using System.Text.Json;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary>Hostile files made with the real tools (names that are not UTF-8 cannot be made through .NET's string APIs).</summary>
internal static class Faults
{
    public const long ThreeGiB = 3L << 30;

    /// <summary>Runs <paramref name="script"/> with <c>sh -c</c>; <c>$1</c>, <c>$2</c>… are <paramref name="args"/>.</summary>
    public static string Sh(string script, params string[] args) => Processes.Run("sh", ["-c", script, "sh", .. args]);

    /// <summary>A sparse file of <paramref name="size"/> zero bytes (no disk used), optionally with <paramref name="lastByte"/> at its end.</summary>
    public static void Sparse(string path, long size, char? lastByte = null)
    {
        Sh("truncate -s \"$2\" \"$1\"", path, size.ToString(CultureInfo.InvariantCulture));
        if (lastByte is { } b)
            Sh("printf '%s' \"$3\" | dd of=\"$1\" bs=1 seek=\"$2\" conv=notrunc status=none", path, (size - 1).ToString(CultureInfo.InvariantCulture), b.ToString());
    }

    /// <summary>A file named <paramref name="prefix"/> + byte 0xE9 (Latin-1 "é", invalid as UTF-8) + <paramref name="suffix"/> in <paramref name="dir"/>.</summary>
    public static void NonUtf8File(string dir, string prefix, string suffix) =>
        Sh("printf 'x\\n' > \"$1/$2$(printf '\\351')$3\"", dir, prefix, suffix);

    /// <summary>
    /// Runs the built <c>gitops-status</c> as a real process (not in-process: the peak memory must be its own) with
    /// <c>--format json --no-send</c>, and returns its report and peak resident memory (getrusage of the child).
    /// </summary>
    public static (StatusReport Report, long PeakBytes) CheckInChildProcess(params string[] args)
    {
        // The tool's own build output (its deps.json names its dependencies; the test's output directory is not its home).
        var dll = Path.Join(AppContext.BaseDirectory.Replace("tests/GitOpsStatus.Cli.Tests", "src/GitOpsStatus.Cli", StringComparison.Ordinal), "gitops-status.dll");
        var rss = Path.GetTempFileName();
        try
        {
            var stdout = Processes.Run("python3", ["-c", """
                import resource, subprocess, sys
                r = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE)
                sys.stdout.buffer.write(r.stdout)
                open(sys.argv[1], "w").write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
                """, rss, "dotnet", dll, "check", "--format", "json", "--no-send", .. args]);
            var report = Assert.Single(JsonSerializer.Deserialize(stdout, ReportJson.Default.ListStatusReport)!);
            return (report, long.Parse(File.ReadAllText(rss), CultureInfo.InvariantCulture) * 1024);
        }
        finally
        {
            File.Delete(rss);
        }
    }
}
