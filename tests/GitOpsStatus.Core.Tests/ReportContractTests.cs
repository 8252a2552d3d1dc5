using System.Text;
using GitOpsStatus.Core.Reports;

namespace GitOpsStatus.Core.Tests;

public class ReportContractTests
{
    private static readonly DateTimeOffset Now = new(2026, 4, 21, 10, 31, 0, TimeSpan.Zero);

    public const string SeedSynced = GitOpsStatus.Tests.SeedPayloads.Synced;

    public const string SeedOutOfSync = GitOpsStatus.Tests.SeedPayloads.OutOfSync;

    private static IReadOnlyList<ReportError> ErrorsOf(string json)
    {
        var (report, error) = ReportParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Null(error);
        return ReportValidator.Validate(report!, Now);
    }

    [Theory]
    [InlineData(SeedSynced)]
    [InlineData(SeedOutOfSync)]
    public void The_seed_payloads_are_accepted_as_they_are(string json) => Assert.Empty(ErrorsOf(json));

    [Fact]
    public void The_seed_payload_keeps_its_fields()
    {
        var (report, _) = ReportParser.Parse(Encoding.UTF8.GetBytes(SeedOutOfSync));
        Assert.Equal("rsyslog", report!.Repo);
        Assert.Equal(2, report.DriftCount);
        Assert.Equal(["rsyslog.conf", "rsyslog.d/30-lab.conf"], report.Files!.Select(f => f.Name));
        Assert.Equal(new DateTimeOffset(2026, 4, 21, 10, 30, 0, TimeSpan.Zero), report.LastCheck);
    }

    [Fact]
    public void Every_broken_rule_is_reported_at_once()
    {
        var errors = ErrorsOf("""
            { "repo": "../etc", "server": "a/b", "sync_status": "GREEN", "drift_count": -1,
              "files": [ { "name": "" }, { "name": "x", "change": "renamed", "expected_sha256": "zz" } ],
              "interval_seconds": 0 }
            """);
        Assert.Equal(
            ["repo", "server", "drift_count", "sync_status", "interval_seconds", "files[0].name", "files[1].change", "files[1].expected_sha256"],
            errors.Select(e => e.Field));
        Assert.Contains("\"GREEN\"", errors.Single(e => e.Field == "sync_status").Message);
    }

    [Theory]
    [InlineData("""{"repo":"r","server":"s","sync_status":"SYNCED","drift_count":1,"files":[{"name":"a"}]}""", "drift_count")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":0}""", "drift_count")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":2,"files":[{"name":"a"}]}""", "files")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"UNKNOWN","drift_count":0}""", "error")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"SYNCED","drift_count":0,"error":"x"}""", "error")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"SYNCED","drift_count":0,"last_check":"2027-01-01T00:00:00Z"}""", "last_check")]
    [InlineData("""{"server":"s","sync_status":"SYNCED","drift_count":0}""", "repo")]
    [InlineData("""{"repo":"r","server":"s<script>","sync_status":"SYNCED","drift_count":0}""", "server")]
    [InlineData("""{"repo":"infra//x","server":"s","sync_status":"SYNCED","drift_count":0}""", "repo")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":2,"files":[{"name":"a"},{"name":"a"}]}""", "files[1].name")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"a\u0007b"}]}""", "files[0].name")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"a","change":"mode","expected_mode":"rw-r--r--"}]}""", "files[0].expected_mode")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"a","change":"mode","actual_mode":"0649"}]}""", "files[0].actual_mode")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"a","change":"owner","actual_owner":"root\u0000"}]}""", "files[0].actual_owner")]
    public void A_broken_rule_names_its_field(string json, string field) =>
        Assert.Contains(field, ErrorsOf(json).Select(e => e.Field));

    [Fact]
    public void A_mode_or_owner_change_carries_both_sides_and_reads_back_as_sent()
    {
        const string json = """{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":2,"files":[{"name":"/etc/a","change":"mode","expected_mode":"0600","actual_mode":"0644"},{"name":"/etc/b","change":"owner","expected_owner":"root:adm","actual_owner":"www-data:www-data"}]}""";

        var (report, error) = ReportParser.Parse(System.Text.Encoding.UTF8.GetBytes(json));

        Assert.Null(error);
        Assert.Empty(ReportValidator.Validate(report!, DateTimeOffset.UtcNow));
        Assert.Equal(("0600", "0644"), (report!.Files![0].ExpectedMode, report.Files[0].ActualMode));
        Assert.Equal(("root:adm", "www-data:www-data"), (report.Files[1].ExpectedOwner, report.Files[1].ActualOwner));
        Assert.Contains("\"expected_owner\":\"root:adm\"", System.Text.Json.JsonSerializer.Serialize(report, ReportJson.Default.StatusReport), StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_with_an_error_is_accepted() =>
        Assert.Empty(ErrorsOf("""{"repo":"infra/rsyslog","server":"web-1","sync_status":"UNKNOWN","error":"ssh: connect to host web-1 port 22: Connection refused"}"""));

    [Theory]
    [InlineData("", "$")]
    [InlineData("{\"repo\": \"r\"", "$")]
    [InlineData("[1,2]", "$")]
    [InlineData("{\"repo\": 5}", "repo")]
    [InlineData("{\"drift_count\": 99999999999999999999}", "drift_count")]
    [InlineData("{\"drift_count\": \"2\"}", "drift_count")]
    [InlineData("{\"files\": {\"name\": \"a\"}}", "files")]
    [InlineData("{\"last_check\": \"2026-04-21T10:30:00\"}", "last_check")]
    [InlineData("{\"last_check\": \"yesterday\"}", "last_check")]
    [InlineData("{\"repo\": \"a\", \"repo\": \"b\"}", "repo")]
    [InlineData("null", "$")]
    [InlineData("{\"\": 00}", "$")]
    public void Unreadable_bodies_name_where_they_broke(string json, string field)
    {
        var (report, error) = ReportParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Null(report);
        Assert.Equal(field, error!.Field);
    }

    [Fact]
    public void Deep_nesting_and_invalid_utf8_are_refused_without_throwing()
    {
        var deep = "{\"x\":" + new string('[', 1000) + new string(']', 1000) + "}";
        Assert.NotNull(ReportParser.Parse(Encoding.UTF8.GetBytes(deep)).Error);
        byte[] invalid = [.. "{\"repo\":\""u8, 0xFF, 0xFE, .. "\"}"u8];
        Assert.NotNull(ReportParser.Parse(invalid).Error);
    }

    [Fact]
    public void Reports_round_trip_in_snake_case()
    {
        var report = new StatusReport
        {
            Repo = "r",
            Server = "s",
            SyncStatus = SyncStatus.OutOfSync,
            DriftCount = 1,
            IntervalSeconds = 120,
            Files = [new DriftedFile { Name = "a", Change = ChangeKind.Modified, RepoPath = "files/a" }],
            LastCheck = new DateTimeOffset(2026, 4, 21, 13, 30, 0, TimeSpan.FromHours(3)),
        };
        var json = System.Text.Json.JsonSerializer.Serialize(report, ReportJson.Default.StatusReport);
        Assert.Contains("\"sync_status\":\"OUT_OF_SYNC\"", json);
        Assert.Contains("\"interval_seconds\":120", json);
        Assert.Contains("\"repo_path\":\"files/a\"", json);
        Assert.Contains("\"last_check\":\"2026-04-21T10:30:00Z\"", json);
        Assert.DoesNotContain("revision", json);
        Assert.Equal(report.LastCheck, ReportParser.Parse(Encoding.UTF8.GetBytes(json)).Report!.LastCheck);
    }

    private const string Origin = """
        {"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":2,"detection":"degraded",
         "detection_error":"inotify watch limit 8192 reached: raise fs.inotify.max_user_watches",
         "files":[
           {"name":"/etc/a","change":"modified","cause":"edited","changed_by":{"user":"root","uid":0,"login_user":"alice",
            "process":"vim","exe":"/usr/bin/vim.basic","pid":4242,"parents":["sudo","bash","sshd"],"at":"2026-04-21T13:31:02+03:00"}},
           {"name":"/etc/b","change":"modified","cause":"other_revision","matches_revision":"4f2a9c1"}]}
        """;

    [Fact]
    public void Detection_cause_and_changed_by_are_accepted_and_read_back_as_sent()
    {
        var (report, error) = ReportParser.Parse(Encoding.UTF8.GetBytes(Origin));

        Assert.Null(error);
        Assert.Empty(ReportValidator.Validate(report!, Now));
        Assert.Equal((DetectionMode.Degraded, "inotify watch limit 8192 reached: raise fs.inotify.max_user_watches"), (report!.Detection, report.DetectionError));
        var by = report.Files![0].ChangedBy!;
        Assert.Equal(("root", 0L, "alice", "vim", "/usr/bin/vim.basic", 4242L), (by.User, by.Uid, by.LoginUser, by.Process, by.Exe, by.Pid));
        Assert.Equal(["sudo", "bash", "sshd"], by.Parents!);
        Assert.Equal(new DateTimeOffset(2026, 4, 21, 10, 31, 2, TimeSpan.Zero), by.At);
        Assert.Equal((DriftCause.OtherRevision, "4f2a9c1"), (report.Files[1].Cause, report.Files[1].MatchesRevision));
        var json = System.Text.Json.JsonSerializer.Serialize(report, ReportJson.Default.StatusReport);
        Assert.Contains("\"detection_error\":", json, StringComparison.Ordinal);
        Assert.Contains("\"matches_revision\":\"4f2a9c1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"changed_by\":{\"user\":\"root\",\"uid\":0,\"login_user\":\"alice\"", json, StringComparison.Ordinal);
        Assert.Contains("\"at\":\"2026-04-21T10:31:02Z\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SeedOutOfSync)]
    [InlineData(Origin)]
    public void Utf8_writes_the_bytes_the_serializer_does(string json)
    {
        var report = ReportParser.Parse(Encoding.UTF8.GetBytes(json)).Report!;
        report = report with { Files = [.. report.Files!, new DriftedFile { Name = "/etc/<é>", Change = ChangeKind.Modified, Diff = new string('x', 70_000) + "\"&\u0001\n" }] };

        Assert.Equal(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(report, ReportJson.Default.StatusReport), ReportJson.Utf8(report));
    }

    [Fact]
    public void A_report_without_the_new_fields_serializes_without_them()
    {
        var (report, _) = ReportParser.Parse(Encoding.UTF8.GetBytes(SeedOutOfSync));
        var json = System.Text.Json.JsonSerializer.Serialize(report!, ReportJson.Default.StatusReport);
        foreach (var name in new[] { "detection", "cause", "matches_revision", "changed_by" })
            Assert.DoesNotContain(name, json, StringComparison.Ordinal);
    }

    // JSON written with ' for " to keep the cases on one line each; Json() swaps them back.
    private const string Head = "{'repo':'r','server':'s','sync_status':'OUT_OF_SYNC','drift_count':1,";
    private const string By = "'user':'root','uid':0,'process':'vim','pid':4242,'at':'2026-04-21T10:31:02Z'";

    private static string Json(string quoted) => quoted.Replace('\'', '"');

    [Theory]
    [InlineData(Head + "'detection':'live','files':[{'name':'a'}]}", "detection")]
    [InlineData(Head + "'detection':'degraded','detection_error':'a\\u0007b','files':[{'name':'a'}]}", "detection_error")]
    [InlineData(Head + "'files':[{'name':'a','cause':'cosmic_ray'}]}", "files[0].cause")]
    [InlineData(Head + "'files':[{'name':'a','cause':'other_revision'}]}", "files[0].matches_revision")]
    [InlineData(Head + "'files':[{'name':'a','cause':'edited','matches_revision':'4f2a9c1'}]}", "files[0].matches_revision")]
    [InlineData(Head + "'files':[{'name':'a','matches_revision':'4f2a9c1'}]}", "files[0].matches_revision")]
    [InlineData(Head + "'files':[{'name':'a','cause':'other_revision','matches_revision':'4f2a'}]}", "files[0].matches_revision")]
    [InlineData(Head + "'files':[{'name':'a','cause':'other_revision','matches_revision':'main~1'}]}", "files[0].matches_revision")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{'uid':0,'process':'vim','pid':1,'at':'2026-04-21T10:31:02Z'}}]}", "files[0].changed_by.user")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{'user':'ro\\not','uid':0,'process':'vim','pid':1,'at':'2026-04-21T10:31:02Z'}}]}", "files[0].changed_by.user")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{'user':'root','uid':-1,'process':'vim','pid':1,'at':'2026-04-21T10:31:02Z'}}]}", "files[0].changed_by.uid")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{'user':'root','uid':0,'process':'vim','pid':0,'at':'2026-04-21T10:31:02Z'}}]}", "files[0].changed_by.pid")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{'user':'root','uid':0,'process':'','pid':1,'at':'2026-04-21T10:31:02Z'}}]}", "files[0].changed_by.process")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{'user':'root','uid':0,'process':'vim','pid':1}}]}", "files[0].changed_by.at")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{'user':'root','uid':0,'process':'vim','pid':1,'at':'2027-04-21T10:31:02Z'}}]}", "files[0].changed_by.at")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{" + By + ",'login_user':'al\\u001bice'}}]}", "files[0].changed_by.login_user")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{" + By + ",'parents':['sudo','ba\\u0000sh']}}]}", "files[0].changed_by.parents[1]")]
    [InlineData(Head + "'files':[{'name':'a','changed_by':{" + By + ",'parents':['a','a','a','a','a','a','a','a','a','a','a','a','a','a','a','a','a']}}]}", "files[0].changed_by.parents")]
    public void A_broken_origin_rule_names_its_field(string json, string field) =>
        Assert.Contains(field, ErrorsOf(Json(json)).Select(e => e.Field));

    [Fact]
    public void Over_long_origin_fields_are_refused_at_their_bounds()
    {
        string Report(string user, string exe, string error) => Json(Head
            + $"'detection':'degraded','detection_error':'{error}','files':[{{'name':'a','changed_by':"
            + $"{{'user':'{user}','uid':0,'process':'vim','pid':1,'exe':'{exe}','at':'2026-04-21T10:31:02Z'}}}}]}}");
        Assert.Empty(ErrorsOf(Report(new string('u', 256), "/" + new string('e', 4095), new string('x', 1000))));
        Assert.Equal(["detection_error", "files[0].changed_by.user", "files[0].changed_by.exe"],
            ErrorsOf(Report(new string('u', 257), "/" + new string('e', 4096), new string('x', 1001))).Select(e => e.Field));
    }

    [Theory]
    [InlineData("""{"files":[{"name":"a","changed_by":{"uid":"0"}}]}""", "files[0].changed_by.uid")]
    [InlineData("""{"files":[{"name":"a","changed_by":"root"}]}""", "files[0].changed_by")]
    [InlineData("""{"files":[{"name":"a","changed_by":{"at":"10:31"}}]}""", "files[0].changed_by.at")]
    [InlineData("""{"files":[{"name":"a","changed_by":{"parents":"sudo"}}]}""", "files[0].changed_by.parents")]
    public void Mistyped_origin_fields_name_where_they_broke(string json, string field)
    {
        var (report, error) = ReportParser.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Null(report);
        Assert.Equal(field, error!.Field);
    }
}
