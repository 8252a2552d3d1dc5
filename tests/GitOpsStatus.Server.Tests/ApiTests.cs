using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using GitOpsStatus.Server.Tests.Postgres;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="ApiTestsOnSqlite"/> and <see cref="ApiTestsOnPostgres"/>.</summary>
public abstract class ApiTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_target_of_a_repo_with_a_slash_shows_its_full_report()
    {
        var report = """
            {"repo":"infra/rsyslog","server":"web-1","sync_status":"OUT_OF_SYNC","drift_count":2,"revision":"4f2a9c1",
             "last_check":"2026-04-21T10:30:00Z","interval_seconds":120,
             "files":[{"name":"rsyslog.conf","change":"modified","repo_path":"files/rsyslog.conf",
                       "expected_sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                       "actual_sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                       "diff":"--- rsyslog.conf\n+++ rsyslog.conf\n@@ -1 +1 @@\n-a\n+b\n"},
                      {"name":"rsyslog.d/30-lab.conf","change":"missing"}]}
            """;
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(report)).StatusCode);

        var detail = await _server.GetJson("/api/targets/web-1/infra/rsyslog");

        var target = detail.GetProperty("target");
        Assert.Equal("infra/rsyslog", target.GetProperty("repo").GetString());
        Assert.Equal("web-1", target.GetProperty("server").GetString());
        Assert.Equal("OUT_OF_SYNC", target.GetProperty("sync_status").GetString());
        Assert.Equal("/api/history/web-1/infra/rsyslog", target.GetProperty("history_url").GetString());
        var files = detail.GetProperty("report").GetProperty("files");
        Assert.Equal(2, files.GetArrayLength());
        Assert.Equal("modified", files[0].GetProperty("change").GetString());
        Assert.Equal("files/rsyslog.conf", files[0].GetProperty("repo_path").GetString());
        Assert.Equal(new string('a', 64), files[0].GetProperty("expected_sha256").GetString());
        Assert.Equal(new string('b', 64), files[0].GetProperty("actual_sha256").GetString());
        Assert.Contains("+b", files[0].GetProperty("diff").GetString(), StringComparison.Ordinal);
        Assert.Equal("missing", files[1].GetProperty("change").GetString());
        Assert.Equal("4f2a9c1", detail.GetProperty("report").GetProperty("revision").GetString());
    }

    [Fact]
    public async Task An_unknown_target_is_a_404_problem_naming_it()
    {
        var response = await _server.Client.GetAsync("/api/targets/web-1/infra/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("infra/nope", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/history/web-1/infra/nope")).StatusCode);
    }

    [Fact]
    public async Task The_list_is_filtered_on_the_derived_status_and_paged()
    {
        var t = AppServer.Start.AddMinutes(-1);
        await _server.PostJson(Reports.Synced("infra/rsyslog", "a", t));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "b", t, "x.conf"));
        await _server.PostJson(Reports.Synced("infra/rsyslog", "c", t.AddHours(-1)));
        await _server.PostJson(Reports.Synced("web", "a", t));
        await _server.PostJson(Reports.Synced("web", "b", t));

        var first = await _server.GetJson("/api/targets?limit=2");
        var second = await _server.GetJson(first.GetProperty("next").GetString()!);
        var third = await _server.GetJson(second.GetProperty("next").GetString()!);
        var stale = await _server.GetJson("/api/targets?status=stale");
        var infraTrouble = await _server.GetJson("/api/targets?repo=infra/rsyslog&status=OUT_OF_SYNC,STALE");

        Assert.Equal(5, first.GetProperty("total").GetInt32());
        Assert.Equal(["infra/rsyslog@a", "infra/rsyslog@b"], Names(first));
        Assert.Equal(["infra/rsyslog@c", "web@a"], Names(second));
        Assert.Equal(["web@b"], Names(third));
        Assert.Equal(JsonValueKind.Null, third.GetProperty("next").ValueKind);
        var staleRow = Assert.Single(stale.GetProperty("items").EnumerateArray());
        Assert.Equal("c", staleRow.GetProperty("server").GetString());
        Assert.Equal(2, staleRow.GetProperty("status_value").GetInt32());
        Assert.Equal("2026-04-21T09:40:00.000Z", staleRow.GetProperty("status_since").GetString());
        Assert.Equal(["infra/rsyslog@b", "infra/rsyslog@c"], Names(infraTrouble));
    }

    // Pages stream from the store, so the next link is worked out from the count before any row is read: a page that
    // ends exactly at the last target has none, and every target is listed once whatever the page size.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task Following_next_links_lists_every_target_once_and_ends_on_the_last_page(int limit)
    {
        var t = AppServer.Start.AddMinutes(-1);
        for (var i = 0; i < 4; i++)
            await _server.PostJson(Reports.Synced("paged", $"s{i}", t));

        var seen = new List<string>();
        var pages = 0;
        for (string? next = $"/api/targets?repo=paged&limit={limit}"; next is not null && pages < 10; pages++)
        {
            var page = await _server.GetJson(next);
            Assert.Equal(4, page.GetProperty("total").GetInt32());
            seen.AddRange(Names(page));
            next = page.GetProperty("next").GetString();
        }

        Assert.Equal(["paged@s0", "paged@s1", "paged@s2", "paged@s3"], seen);
        Assert.Equal((4 + limit - 1) / limit, pages);
        Assert.Empty(Names(await _server.GetJson("/api/targets?repo=paged&offset=4")));
    }

    [Theory]
    [InlineData("/api/targets?limit=0", "limit")]
    [InlineData("/api/targets?limit=5000", "limit")]
    [InlineData("/api/targets?offset=-1", "offset")]
    [InlineData("/api/targets?status=GREEN", "status")]
    [InlineData("/api/history/s/r?limit=0", "limit")]
    [InlineData("/api/targets?limit=abc", "limit")]
    [InlineData("/api/targets?offset=abc", "offset")]
    [InlineData("/api/targets?limit=1.5", "limit")]
    [InlineData("/api/targets?offset=99999999999999999999", "offset")]
    [InlineData("/api/history/s/r?limit=abc", "limit")]
    [InlineData("/api/history/s/r?before=abc", "before")]
    [InlineData("/api/history/s/r?before=0", "before")]
    public async Task A_bad_query_is_a_400_naming_the_parameter(string path, string field)
    {
        var response = await _server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("/api/targets?limit=abc", "limit", "\"abc\" is not a whole number; expected 1 to 1000")]
    [InlineData("/api/targets?offset=x1", "offset", "\"x1\" is not a whole number; expected 0 or more")]
    [InlineData("/api/targets?limit=5000", "limit", "\"5000\" is out of range; expected 1 to 1000")]
    public async Task A_malformed_number_is_an_rfc_9457_problem_quoting_the_value_never_a_bare_400(string path, string field, string message)
    {
        var response = await _server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(message, Assert.Single(problem.GetProperty("errors").GetProperty(field).EnumerateArray()).GetString());
    }

    [Fact]
    public async Task A_hand_edited_before_on_the_dashboard_shows_the_newest_history_instead_of_a_bare_400()
    {
        await _server.PostJson(Reports.Synced("r", "s", AppServer.Start.AddMinutes(-1)));

        var response = await _server.Client.GetAsync("/targets/s/r?before=abc");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("First report: SYNCED", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_summary_counts_derived_statuses_overall_and_per_repo()
    {
        var t = AppServer.Start.AddMinutes(-1);
        await _server.PostJson(Reports.Synced("infra/rsyslog", "a", t));
        await _server.PostJson(Reports.Drifted("infra/rsyslog", "b", t, "x.conf"));
        await _server.PostJson(Reports.Synced("web", "a", t.AddDays(-1)));
        await _server.PostJson("""{"repo":"web","server":"b","sync_status":"UNKNOWN","error":"ssh: timeout"}""");

        var summary = await _server.GetJson("/api/summary");

        Assert.Equal("""{"total":4,"synced":1,"out_of_sync":1,"stale":1,"unknown":1}""", summary.GetProperty("overall").GetRawText());
        Assert.Equal(
            """[{"repo":"infra/rsyslog","total":2,"synced":1,"out_of_sync":1,"stale":0,"unknown":0},{"repo":"web","total":2,"synced":0,"out_of_sync":0,"stale":1,"unknown":1}]""",
            summary.GetProperty("repos").GetRawText());
    }

    [Fact]
    public async Task Deleting_a_retired_target_forgets_it_and_its_history()
    {
        await _server.PostJson(Reports.Synced("infra/rsyslog", "old", AppServer.Start));
        await _server.PostJson(Reports.Synced("infra/rsyslog", "kept", AppServer.Start));

        var deleted = await _server.Send(HttpMethod.Delete, "/api/targets/old/infra/rsyslog");
        var again = await _server.Send(HttpMethod.Delete, "/api/targets/old/infra/rsyslog");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/history/old/infra/rsyslog")).StatusCode);
        Assert.Equal(["infra/rsyslog@kept"], Names(await _server.GetJson("/api/targets")));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        var document = await _server.GetJson("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/targets", paths);
        Assert.Contains("/api/targets/{server}/{repo}", paths);
        Assert.Contains("/api/history/{server}/{repo}", paths);
        Assert.Contains("/api/summary", paths);
        Assert.Contains("/metrics", paths);
        Assert.Contains("/api/status", paths);
        Assert.True(document.GetProperty("paths").GetProperty("/api/targets/{server}/{repo}").TryGetProperty("delete", out _));
    }

    private static List<string> Names(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(r => $"{r.GetProperty("repo").GetString()}@{r.GetProperty("server").GetString()}").ToList();
}

public sealed class ApiTestsOnSqlite() : ApiTests(null)
{
}

public sealed class ApiTestsOnPostgres(PostgresCluster postgres) : ApiTests(postgres)
{
}
