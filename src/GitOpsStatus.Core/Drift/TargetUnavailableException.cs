namespace GitOpsStatus.Core.Drift;

/// <summary>A target could not be reached or read; its report becomes UNKNOWN with this message as the error.</summary>
public sealed class TargetUnavailableException : Exception
{
    public TargetUnavailableException(string message) : base(message) { }
    public TargetUnavailableException(string message, Exception inner) : base(message, inner) { }
    public TargetUnavailableException() { }
}
