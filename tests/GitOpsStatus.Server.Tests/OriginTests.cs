using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GitOpsStatus.Server.Tests.Postgres;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// Issue 22 on the server: detection mode, each file's cause and who changed it, stored and shown by every reader.
/// Runs on both stores: <see cref="OriginTestsOnSqlite"/> and <see cref="OriginTestsOnPostgres"/>.
/// </summary>
public abstract class OriginTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    private static readonly DateTimeOffset T = AppServer.Start.AddMinutes(-1);

    [Fact]
    public async Task A_degraded_agent_and_the_cause_of_its_drift_show_in_status_json_and_the_api()
    {
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.WithOrigin("nginx", "web-1", T))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.WithOrigin("nginx", "web-2", T, detection: "realtime"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _server.PostJson(Reports.Synced("nginx", "web-3", T))).StatusCode);

        var rows = (await _server.StatusJson()).EnumerateArray().ToDictionary(r => r.GetProperty("server").GetString()!);
        Assert.Equal(("degraded", "edited"), (rows["web-1"].GetProperty("detection").GetString(), rows["web-1"].GetProperty("cause").GetString()));
        Assert.Equal(("realtime", "edited"), (rows["web-2"].GetProperty("detection").GetString(), rows["web-2"].GetProperty("cause").GetString()));
        Assert.Equal(("", ""), (rows["web-3"].GetProperty("detection").GetString(), rows["web-3"].GetProperty("cause").GetString()));

        var target = (await _server.GetJson("/api/targets/web-1/nginx")).GetProperty("target");
        Assert.Equal("degraded", target.GetProperty("detection").GetString());
        Assert.Equal("inotify watch limit 8192 reached: raise fs.inotify.max_user_watches", target.GetProperty("detection_error").GetString());
        Assert.Equal("edited", target.GetProperty("cause").GetString());
        var files = (await _server.GetJson("/api/targets/web-1/nginx")).GetProperty("report").GetProperty("files");
        Assert.Equal("alice", files[0].GetProperty("changed_by").GetProperty("login_user").GetString());
        Assert.Equal("4f2a9c1", files[1].GetProperty("matches_revision").GetString());
        var listed = (await _server.GetJson("/api/targets?repo=nginx")).GetProperty("items")[1];
        Assert.Equal(("realtime", JsonValueKind.Null), (listed.GetProperty("detection").GetString(), listed.GetProperty("detection_error").ValueKind));
    }

    [Fact]
    public async Task Only_other_revisions_make_the_cause_other_revision_and_a_later_report_clears_it()
    {
        var report = JsonSerializer.Serialize(new
        {
            repo = "r",
            server = "s",
            sync_status = "OUT_OF_SYNC",
            drift_count = 2,
            last_check = T.ToString("O"),
            files = new object[]
            {
                new { name = "a", cause = "other_revision", matches_revision = "0123456789abcdef0123456789abcdef01234567" },
                new { name = "b" },
            },
        });
        await _server.PostJson(report);
        Assert.Equal("other_revision", (await _server.StatusJson())[0].GetProperty("cause").GetString());

        await _server.PostJson(Reports.Synced("r", "s", T.AddSeconds(1)));
        Assert.Equal("", (await _server.StatusJson())[0].GetProperty("cause").GetString());
    }

    [Fact]
    public async Task The_target_page_says_who_edited_a_file_and_which_revision_the_host_has()
    {
        await _server.PostJson(Reports.WithOrigin("nginx", "web-1", T));

        var page = await _server.Client.GetStringAsync("/targets/web-1/nginx");

        Assert.Contains("edited by alice via sudo (vim, pid 4242) at 10:30:02 UTC", page, StringComparison.Ordinal);
        Assert.Contains("host has the version of 4f2a9c1", page, StringComparison.Ordinal);
        Assert.Contains("<strong>degraded</strong>: inotify watch limit 8192 reached", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_page_marks_a_degraded_agent_and_an_edited_drift()
    {
        await _server.PostJson(Reports.WithOrigin("nginx", "web-1", T));
        await _server.PostJson(Reports.WithOrigin("nginx", "web-2", T, detection: "realtime"));

        var page = await _server.Client.GetStringAsync("/");

        Assert.Equal(1, Count(page, "class=\"degraded\" title=\"inotify watch limit 8192 reached"));
        Assert.Equal(2, Count(page, "<span class=\"cause cause-edited\">edited</span>"));
    }

    [Theory]
    [InlineData("detection_error", "\"detection\":\"degraded\",\"detection_error\":\"x\\u0000y\"")]
    [InlineData("detection", "\"detection\":\"sometimes\"")]
    [InlineData("files[0].changed_by.user", "\"files\":[{\"name\":\"a\",\"changed_by\":{\"user\":\"LONG\",\"uid\":0,\"process\":\"vim\",\"pid\":1,\"at\":\"2026-04-21T10:00:00Z\"}}]")]
    [InlineData("files[0].changed_by.process", "\"files\":[{\"name\":\"a\",\"changed_by\":{\"user\":\"root\",\"uid\":0,\"process\":\"vi\\u001b[2Jm\",\"pid\":1,\"at\":\"2026-04-21T10:00:00Z\"}}]")]
    [InlineData("files[0].matches_revision", "\"files\":[{\"name\":\"a\",\"cause\":\"other_revision\",\"matches_revision\":\"LONG\"}]")]
    public async Task Hostile_values_in_the_new_fields_are_refused_naming_the_field(string field, string fragment)
    {
        var json = "{\"repo\":\"r\",\"server\":\"s\",\"sync_status\":\"OUT_OF_SYNC\",\"drift_count\":1," + fragment.Replace("LONG", new string('a', 5000), StringComparison.Ordinal)
            + (fragment.Contains("\"files\"", StringComparison.Ordinal) ? "" : ",\"files\":[{\"name\":\"a\"}]") + "}";

        var response = await _server.PostJson(json);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
        Assert.Equal(0, (await _server.StatusJson()).GetArrayLength());
    }

    [Fact]
    public async Task A_mistyped_uid_is_a_400_naming_it()
    {
        var response = await _server.PostJson("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"a","changed_by":{"uid":"root"}}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("files[0].changed_by.uid", out _));
    }

    private static int Count(string text, string part)
    {
        var n = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
            n++;
        return n;
    }
}

public sealed class OriginTestsOnSqlite() : OriginTests(null)
{
}

public sealed class OriginTestsOnPostgres(PostgresCluster postgres) : OriginTests(postgres)
{
}
