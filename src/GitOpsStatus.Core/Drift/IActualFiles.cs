namespace GitOpsStatus.Core.Drift;

/// <summary>
/// The files of one target, read in as few exchanges as possible: one <see cref="ScanAsync"/> (hashes, metadata and
/// directory listings for the whole file set), then at most one <see cref="ResolveAsync"/> and one <see cref="ReadAsync"/> for the files that differ
/// (a realtime recheck, local only, may read again a file its <see cref="DiffCache"/> knows but had not diffed).
/// Two implementations: <see cref="LocalActualFiles"/> and <see cref="Ssh.SshActualFiles"/>.
/// Both throw <see cref="TargetUnavailableException"/> when the target cannot be reached or read.
/// </summary>
public interface IActualFiles : IAsyncDisposable
{
    Task<ActualSnapshot> ScanAsync(ScanRequest request, CancellationToken cancellationToken);

    /// <summary>The contents of each path, or null for one that cannot be read or is larger than <paramref name="maxBytes"/>.</summary>
    Task<IReadOnlyList<byte[]?>> ReadAsync(IReadOnlyList<string> paths, int maxBytes, CancellationToken cancellationToken);

    /// <summary>Each path with every symlink in it resolved on the target (realpath), or null for one that cannot be resolved.</summary>
    Task<IReadOnlyList<string?>> ResolveAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>
    /// Carries out <paramref name="writes"/> in order (what <c>revert</c> does), each on its own: one that fails does not
    /// stop the others. Returns, for each, null when done or why it failed. Both implementations run the one script
    /// <see cref="Fix.WriteScript"/> builds, with <c>sh</c> here or on the host.
    /// </summary>
    Task<IReadOnlyList<string?>> ApplyAsync(IReadOnlyList<Fix.FileWrite> writes, CancellationToken cancellationToken);
}

/// <summary>
/// What to read: <paramref name="Paths"/> are full target paths; <paramref name="ListDirectories"/> are listed recursively (for
/// extra files). <paramref name="WalkDirectories"/> hold all of the paths under them that are wanted (see
/// <see cref="TargetPlan.WholeDirectories"/>): a reader may hash them by walking the tree rather than path by path, and
/// report more files than asked.
/// </summary>
public sealed record ScanRequest(IReadOnlyList<string> Paths, IReadOnlyList<string> ListDirectories, bool WantMode, bool WantOwner,
    IReadOnlyList<string>? WalkDirectories = null);

/// <summary>The state of the requested paths. A path absent from <see cref="Files"/> does not exist (or is not a regular file).</summary>
public sealed record ActualSnapshot(
    IReadOnlyDictionary<string, ActualFile> Files,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Listings);

/// <summary>One existing file: its hash, and mode (octal, e.g. <c>644</c>) and <c>user:group</c> when asked for.</summary>
public sealed record ActualFile(string Sha256, string? Mode, string? Owner);
