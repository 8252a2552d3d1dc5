using System.Security.Claims;
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

    /// <summary>
    /// What the presented token grants, as claims (<see cref="Rights"/>): none when it is no configured token. A token
    /// listed twice in <c>GITOPS_WRITE_TOKENS</c> holds both scopes; which targets they cover is decided once the body is read.
    /// </summary>
    public List<Claim> Grants(string presented)
    {
        var hash = Hash(presented)!;
        var claims = new List<Claim>(1);
        if (Matches(hash, _read))
            claims.Add(new Claim(Rights.Read, "*"));
        if (Matches(hash, _admin))
            claims.Add(new Claim(Rights.Admin, "*"));
        foreach (var grant in _writes)
        {
            if (Matches(hash, grant.Hash))
                claims.Add(new Claim(Rights.Write, $"{grant.RepoGlob}@{grant.ServerGlob}"));
        }
        return claims;
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
                throw new SettingException(
                    "Setting GITOPS_WRITE_TOKENS has an entry with an empty token, repo glob or server glob; expected entries like token, token:infra/* or token:infra/*@web-* (the token itself is not shown).");
            grants.Add(new WriteGrant(AccessTokens.Hash(token)!, repo, server));
        }
        return grants;
    }
}
