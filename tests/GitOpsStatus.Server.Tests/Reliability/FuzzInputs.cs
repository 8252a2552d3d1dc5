using System.Text;
using CsCheck;

namespace GitOpsStatus.Server.Tests.Reliability;

/// <summary>
/// Generated request bodies: raw bytes, mutations of the seed's valid payloads (bit flips, insertions,
/// deletions, duplications, truncations), and structurally random JSON using the contract's field names
/// with values of every JSON type, nesting, huge numbers, control characters and markup; and valid reports whose integer
/// fields hold values at and past their ranges and the 32- and 64-bit limits (issue 18: a <c>drift_count</c> of 2³¹ was
/// stored, then every read answered 500).
/// </summary>
internal static class FuzzInputs
{
    private static readonly string[] Fields =
    [
        "repo", "server", "sync_status", "drift_count", "files", "last_check", "revision", "source",
        "interval_seconds", "duration_ms", "checker", "error", "name", "change", "repo_path",
        "expected_sha256", "actual_sha256", "diff", "binary", "extra",
        "detection", "detection_error", "cause", "matches_revision", "changed_by", "user", "uid", "login_user", "process", "exe",
        "pid", "parents", "at",
    ];

    private static readonly string[] Seeds =
    [
        Reports.SeedSynced,
        Reports.SeedOutOfSync,
        """{"repo":"infra/rsyslog","server":"web-1","sync_status":"UNKNOWN","error":"ssh: connect to host web-1 port 22: Connection refused","last_check":"2026-04-21T10:30:00+03:00"}""",
        """{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"a.conf","change":"modified","expected_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","diff":"--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n"}],"interval_seconds":120,"revision":"4f2a9c1","source":"cron"}""",
        // Issue 22's fields: a degraded agent, a hand edit with who wrote it, another revision's version.
        """{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":2,"detection":"degraded","detection_error":"inotify watch limit 8192 reached","files":[{"name":"a","cause":"edited","changed_by":{"user":"root","uid":0,"login_user":"alice","process":"vim","exe":"/usr/bin/vim","pid":4242,"parents":["sudo","bash","sshd"],"at":"2026-04-21T10:30:02Z"}},{"name":"b","cause":"other_revision","matches_revision":"4f2a9c1"}]}""",
        """{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"detection":"realtime","files":[{"name":"a","changed_by":{"user":"\u001b[2J","uid":4294967296,"process":"","pid":0,"parents":[null,"x"],"at":"2026-04-21T10:30:02"}}]}""",
    ];

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String,
        Gen.Char["abcXYZ019._-/ "].Array[0, 20].Select(c => new string(c)),
        Gen.OneOf("SYNCED", "OUT_OF_SYNC", "UNKNOWN", "STALE", "modified", "..", "a//b", "<script>alert(1)</script>",
            "\u0000", "\u001b[31m", "2026-04-21T10:30:00Z", "2026-04-21T10:30:00", "9999-12-31T23:59:59Z", "\ud800", new string('x', 300)));

    /// <summary>Integers at and one past each limit a reader or a column could hold, the contract's own bounds, and their negatives.</summary>
    private static readonly Gen<string> HostileInteger = Gen.OneOf(
        Gen.OneOf(
            "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
            "9007199254740991", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "-9223372036854775809", "18446744073709551616", "2678400", "2678401", "2678400000", "2678400001", "0", "-1",
            "2147483648.0", "2.147483648e9", "1e19", "-1e19", "1E+308"),
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Int[-64, 64].Select(delta => (delta < 0 ? long.MinValue - (long)delta : long.MaxValue - delta).ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Int[-64, 64].Select(delta => ((long)int.MaxValue + delta).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static readonly Gen<string> Number = Gen.OneOf(
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e400"),
        Gen.OneOf("0", "-1", "99999999999999999999999", "1e3", "-0", "00", "1.5"),
        HostileInteger);

    private static readonly string[] IntegerFields = ["drift_count", "interval_seconds", "duration_ms"];

    private static Gen<string> Value(int depth) => depth <= 0
        ? Gen.OneOf(Text.Select(Quote), Number, Gen.OneOf("true", "false", "null"))
        : Gen.Frequency(
            (6, Value(0)),
            (1, Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (2, Object(depth - 1)));

    private static Gen<string> Object(int depth) =>
        Gen.Select(Gen.OneOf(Gen.OneOf(Fields), Text), Value(depth)).Array[0, 10]
            .Select(members => "{" + string.Join(",", members.Select(m => Quote(m.Item1) + ":" + m.Item2)) + "}");

    /// <summary>A JSON-ish document: a random object most of the time, sometimes any value.</summary>
    public static readonly Gen<byte[]> StructuredJson =
        Gen.Frequency((5, Object(3)), (1, Value(3))).Select(s => Encoding.UTF8.GetBytes(s));

    /// <summary>A valid payload with 1 to 8 byte-level mutations.</summary>
    public static readonly Gen<byte[]> MutatedSeed =
        from seed in Gen.OneOf(Seeds)
        from ops in Gen.Select(Gen.Int[0, 4], Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 8]
        select Mutate(Encoding.UTF8.GetBytes(seed), ops);

    public static readonly Gen<byte[]> RawBytes = Gen.Byte.Array[0, 512];

    /// <summary>An otherwise valid out-of-sync report (fresh, so it would be stored) with 1 to 3 of its integer fields set to hostile values.</summary>
    public static readonly Gen<byte[]> HostileNumbers =
        from fields in Gen.Select(Gen.OneOf(IntegerFields), HostileInteger).Array[1, 3]
        from server in Gen.Int[0, 50]
        select Encoding.UTF8.GetBytes("{" + string.Join(",", new Dictionary<string, string>
        {
            ["repo"] = "\"hostile/numbers\"",
            ["server"] = $"\"n{server}\"",
            ["sync_status"] = "\"OUT_OF_SYNC\"",
            ["drift_count"] = "1",
            ["files"] = "[{\"name\":\"a.conf\"}]",
            ["last_check"] = "\"2026-04-21T10:30:00Z\"",
            ["interval_seconds"] = "60",
        }.Concat(fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)))
            .GroupBy(m => m.Key).Select(g => Quote(g.Key) + ":" + g.Last().Value)) + "}");

    public static readonly Gen<byte[]> Any = Gen.Frequency((4, StructuredJson), (4, MutatedSeed), (2, HostileNumbers), (1, RawBytes));

    private static byte[] Mutate(byte[] input, (int Op, int Position, byte Value)[] ops)
    {
        var bytes = new List<byte>(input);
        foreach (var (op, position, value) in ops)
        {
            if (bytes.Count == 0)
                break;
            var at = position % bytes.Count;
            switch (op)
            {
                case 0: bytes[at] ^= (byte)(1 << (value % 8)); break;
                case 1: bytes.Insert(at, value); break;
                case 2: bytes.RemoveRange(at, Math.Min(1 + value % 8, bytes.Count - at)); break;
                case 3: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(1 + value % 16, bytes.Count - at))); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return [.. bytes];
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
