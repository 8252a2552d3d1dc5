using System.Security.Cryptography;
using System.Text;
using GitOpsStatus.Server.Settings;

namespace GitOpsStatus.Server.Access;

/// <summary>What a presented credential is worth for one kind of access.</summary>
public enum Verdict
{
    /// <summary>Allowed (or no token is required).</summary>
    Allowed,

    /// <summary>No credential was presented: 401.</summary>
    Missing,

    /// <summary>A credential that is no token we know: 401.</summary>
    Wrong,

    /// <summary>A valid token without the right for this (admin route, repo or server): 403.</summary>
    OutOfScope,
}

/// <summary>
/// The configured tokens, kept only as SHA-256 hashes: a presented token is hashed once and compared
/// with every configured hash in constant time (no early exit, no length leak). Tokens are never logged.
/// </summary>
public sealed class AccessTokens
{
    private readonly byte[]? _read;
    private readonly byte[]? _admin;
    private readonly List<WriteGrant> _writes;

    public AccessTokens(ServerOptions options)
    {
        _read = Hash(options.ReadToken?.Reveal());
        _admin = Hash(options.AdminToken?.Reveal());
        _writes = WriteGrant.ParseAll(options.WriteTokens?.Reveal());
    }

    /// <summary>No token of any kind is configured: the server is open (the seed's in-cluster set-up).</summary>
    public bool IsOpen => _read is null && _admin is null && _writes.Count == 0;

    public bool WritesGuarded => _writes.Count > 0;
    public bool ReadsGuarded => _read is not null;
    public bool DeletesEnabled => _admin is not null || IsOpen;

    /// <summary>Reads need the read token (or the admin token) once <c>GITOPS_READ_TOKEN</c> is set.</summary>
    public Verdict CheckRead(string? presented)
    {
        if (_read is null)
            return Verdict.Allowed;
        if (presented is null)
            return Verdict.Missing;
        var hash = Hash(presented)!;
        if (Matches(hash, _read) | Matches(hash, _admin))
            return Verdict.Allowed;
        return AnyWrite(hash) ? Verdict.OutOfScope : Verdict.Wrong;
    }

    /// <summary>Deletes need the admin token; when the server is fully open they are open too.</summary>
    public Verdict CheckAdmin(string? presented)
    {
        if (IsOpen)
            return Verdict.Allowed;
        if (presented is null)
            return Verdict.Missing;
        var hash = Hash(presented)!;
        if (Matches(hash, _admin))
            return Verdict.Allowed;
        return Matches(hash, _read) | AnyWrite(hash) ? Verdict.OutOfScope : Verdict.Wrong;
    }

    /// <summary>
    /// Writes need a write token once <c>GITOPS_WRITE_TOKENS</c> is set; the grants of the presented
    /// token (a token listed twice holds both scopes) decide, once the body is read, which targets it may write.
    /// </summary>
    public (Verdict Verdict, WriteScope? Scope) CheckWrite(string? presented)
    {
        if (_writes.Count == 0)
            return (Verdict.Allowed, null);
        if (presented is null)
            return (Verdict.Missing, null);
        var hash = Hash(presented)!;
        var granted = new List<WriteGrant>(1);
        foreach (var grant in _writes)
        {
            if (Matches(hash, grant.Hash))
                granted.Add(grant);
        }
        if (granted.Count > 0)
            return (Verdict.Allowed, new WriteScope(granted));
        return (Matches(hash, _read) | Matches(hash, _admin) ? Verdict.OutOfScope : Verdict.Wrong, null);
    }

    private bool AnyWrite(byte[] hash) => _writes.Aggregate(false, (any, grant) => any | Matches(hash, grant.Hash));

    private static bool Matches(byte[] presented, byte[]? configured) =>
        configured is not null && CryptographicOperations.FixedTimeEquals(presented, configured);

    internal static byte[]? Hash(string? token) => token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

/// <summary>One entry of <c>GITOPS_WRITE_TOKENS</c>: <c>token</c>, <c>token:repo-glob</c> or <c>token:repo-glob@server-glob</c>.</summary>
internal sealed record WriteGrant(byte[] Hash, string RepoGlob, string ServerGlob)
{
    public static List<WriteGrant> ParseAll(string? text)
    {
        var grants = new List<WriteGrant>();
        foreach (var entry in (text ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            var token = colon < 0 ? entry : entry[..colon];
            var scope = colon < 0 ? "*" : entry[(colon + 1)..];
            var at = scope.LastIndexOf('@');
            var (repo, server) = at < 0 ? (scope, "*") : (scope[..at], scope[(at + 1)..]);
            if (token.Length == 0 || repo.Length == 0 || server.Length == 0)
                throw new InvalidOperationException(
                    "Setting GITOPS_WRITE_TOKENS has an entry with an empty token, repo glob or server glob; expected entries like token, token:infra/* or token:infra/*@web-* (the token itself is not shown).");
            grants.Add(new WriteGrant(AccessTokens.Hash(token)!, repo, server));
        }
        return grants;
    }
}

/// <summary>The targets a write token may report for.</summary>
public sealed class WriteScope
{
    private readonly List<WriteGrant> _grants;

    internal WriteScope(List<WriteGrant> grants) => _grants = grants;

    public bool Allows(string repo, string server) =>
        _grants.Any(g => Glob.IsMatch(g.RepoGlob, repo) && Glob.IsMatch(g.ServerGlob, server));

    /// <summary>True when some grant covers the repo (for some server): then it is the server that is out of scope.</summary>
    public bool AllowsRepo(string repo) => _grants.Any(g => Glob.IsMatch(g.RepoGlob, repo));

    /// <summary>The scopes, for an error message (globs only, never the token).</summary>
    public string Describe() => string.Join(", ", _grants.Select(g => $"{g.RepoGlob}@{g.ServerGlob}"));
}
