namespace GitOpsStatus.Core.Drift.Fix;

/// <summary>One change <c>revert</c> makes to a target's file.</summary>
/// <param name="Path">The full path on the target with its symlinks resolved, so nothing is followed while writing.</param>
/// <param name="Content">The desired bytes, or null to change only mode and owner. Written to a temporary file in the same
/// directory and renamed over the old one (a reader never sees half a file), with the old file's mode and owner, or
/// <paramref name="NewFileMode"/> for a file that did not exist (its directory is created).</param>
/// <param name="Backup">Where the old file is copied first (<c>cp -p</c>: mode, owner and times kept), or null.</param>
/// <param name="Mode">Octal mode the mapping wants, or null.</param>
/// <param name="Owner"><c>user</c> or <c>user:group</c> the mapping wants, or null.</param>
/// <param name="NewFileMode">The mode of a file that did not exist, when the mapping names none: the repo file's (644 or 755).</param>
public sealed record FileWrite(string Path, byte[]? Content, string? Backup, string? Mode, string? Owner, string NewFileMode = "644");
