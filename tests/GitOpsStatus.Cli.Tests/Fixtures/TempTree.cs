namespace GitOpsStatus.Cli.Tests.Fixtures;

/// <summary>A temp directory the test writes files into; deleted at the end.</summary>
public sealed class TempTree : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("gitops-status-cli-").FullName;

    public string this[string relative] => Path.Join(Root, relative);

    public string Write(string relative, string content)
    {
        var path = Path.Join(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string Dir(string relative) => Directory.CreateDirectory(Path.Join(Root, relative)).FullName;

    /// <summary>The same files under two roots: the usual starting point (desired = actual).</summary>
    public (string Desired, string Actual) Pair(params (string Path, string Content)[] files)
    {
        var desired = Dir("desired");
        var actual = Dir("actual");
        foreach (var (path, content) in files)
        {
            Write("desired/" + path, content);
            Write("actual/" + path, content);
        }
        return (desired, actual);
    }

    /// <summary>
    /// A pair where the actual side's files are symlinks: <c>same.conf</c> to an equal file, <c>changed.conf</c> to a
    /// different one, <c>dangling.conf</c> to nothing.
    /// </summary>
    public (string Desired, string Actual) SymlinkedPair()
    {
        var pair = Pair(("same.conf", "s\n"), ("changed.conf", "c\n"), ("dangling.conf", "d\n"));
        Write("elsewhere/same.conf", "s\n");
        Write("elsewhere/changed.conf", "C\n");
        foreach (var name in new[] { "same.conf", "changed.conf", "dangling.conf" })
            File.Delete(this[$"actual/{name}"]);
        File.CreateSymbolicLink(this["actual/same.conf"], this["elsewhere/same.conf"]);
        File.CreateSymbolicLink(this["actual/changed.conf"], this["elsewhere/changed.conf"]);
        File.CreateSymbolicLink(this["actual/dangling.conf"], this["elsewhere/nothing.conf"]);
        return pair;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS temp cleaner gets what is left.
        }
    }
}
