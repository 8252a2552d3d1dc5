namespace GitOpsStatus.Core.Reports;

/// <summary>One problem with one field of a report. <paramref name="Field"/> is its path on the wire, e.g. <c>files[1].name</c>.</summary>
public sealed record ReportError(string Field, string Message);
