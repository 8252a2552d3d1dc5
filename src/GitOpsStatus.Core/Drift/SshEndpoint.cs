using System.Globalization;

namespace GitOpsStatus.Core.Drift;

/// <summary>An SSH destination: <c>user@host[:port]</c>, IPv6 hosts in brackets (<c>[::1]:2222</c>).</summary>
public sealed record SshEndpoint(string? User, string Host, int? Port)
{
    /// <summary>Parses <c>user@host[:port]</c>; returns null and a reason when <paramref name="text"/> is not one.</summary>
    public static SshEndpoint? TryParse(string text, out string? problem)
    {
        problem = null;
        var at = text.LastIndexOf('@');
        var user = at > 0 ? text[..at] : null;
        var rest = at >= 0 ? text[(at + 1)..] : text;
        string host;
        string? port = null;
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
                return Fail("has '[' without ']'", out problem);
            host = rest[1..close];
            var after = rest[(close + 1)..];
            if (after.Length > 0 && !after.StartsWith(':'))
                return Fail("has text after ']' that is not :port", out problem);
            port = after.Length > 0 ? after[1..] : null;
        }
        else
        {
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            host = colon >= 0 ? rest[..colon] : rest;
            port = colon >= 0 ? rest[(colon + 1)..] : null;
        }
        if (at == 0)
            return Fail("has an empty user before '@'", out problem);
        if (host.Length == 0 || host.StartsWith('-') || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return Fail("has no valid host", out problem);
        if (user is not null && (user.StartsWith('-') || user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            return Fail("has an invalid user", out problem);
        int? portNumber = null;
        if (port is not null)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
                return Fail($"has port \"{port}\", expected a number from 1 to 65535", out problem);
            portNumber = p;
        }
        return new SshEndpoint(user, host, portNumber);
    }

    private static SshEndpoint? Fail(string why, out string? problem)
    {
        problem = why;
        return null;
    }

    public override string ToString()
    {
        var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        var user = User is null ? "" : User + "@";
        return Port is { } p ? $"{user}{host}:{p}" : user + host;
    }
}
