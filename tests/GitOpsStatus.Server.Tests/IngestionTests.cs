using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

using GitOpsStatus.Server.Tests.Postgres;
using Microsoft.Extensions.Time.Testing;

namespace GitOpsStatus.Server.Tests;

/// <summary>Runs on both stores: <see cref="IngestionTestsOnSqlite"/> and <see cref="IngestionTestsOnPostgres"/>.</summary>
public abstract class IngestionTests(PostgresCluster? postgres) : IDisposable
{
    private readonly AppServer _server = new(postgres: postgres);

    public void Dispose()
    {
        _server.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task The_seed_payloads_are_stored_and_listed_flat()
    {
        var first = await _server.PostJson(Reports.SeedSynced);
        var second = await _server.PostJson(Reports.SeedOutOfSync.Replace("10:30:00Z", "10:32:00Z"));
        _server.Clock.SetUtcNow(new DateTimeOffset(2026, 4, 21, 10, 33, 0, TimeSpan.Zero));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var row = Assert.Single((await _server.StatusJson()).EnumerateArray());
        Assert.Equal("rsyslog", row.GetProperty("repo").GetString());
        Assert.Equal("rsyslog-lab", row.GetProperty("server").GetString());
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.Equal(1, row.GetProperty("status_value").GetInt32());
        Assert.Equal(2, row.GetProperty("drift_count").GetInt32());
        Assert.Equal("rsyslog.conf, rsyslog.d/30-lab.conf", row.GetProperty("files").GetString());
        Assert.Equal("2026-04-21T10:32:00.000Z", row.GetProperty("last_check").GetString());
        Assert.Equal("2026-04-21T10:32:00.000Z", row.GetProperty("status_since").GetString());
        Assert.Equal("2026-04-21T10:30:00.000Z", row.GetProperty("last_synced_at").GetString());
    }

    [Fact]
    public async Task The_answer_says_what_happened()
    {
        var t = AppServer.Start.AddMinutes(-1);
        Assert.Equal("stored", await Outcome(Reports.Synced("r", "s", t)));
        Assert.Equal("unchanged", await Outcome(Reports.Synced("r", "s", t)));
        Assert.Equal("stored", await Outcome(Reports.Drifted("r", "s", t.AddSeconds(30), "a.conf")));
        Assert.Equal("superseded", await Outcome(Reports.Synced("r", "s", t)));

        var row = Assert.Single((await _server.StatusJson()).EnumerateArray());
        Assert.Equal("OUT_OF_SYNC", row.GetProperty("sync_status").GetString());
        Assert.Equal("a.conf", row.GetProperty("files").GetString());
    }

    [Fact]
    public async Task A_report_without_last_check_is_stamped_with_receive_time()
    {
        var response = await _server.PostJson("""{"repo":"r","server":"s","sync_status":"SYNCED","drift_count":0}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = Assert.Single((await _server.StatusJson()).EnumerateArray());
        Assert.Equal("2026-04-21T10:31:00.000Z", row.GetProperty("last_check").GetString());
        Assert.Equal("SYNCED", row.GetProperty("sync_status").GetString());
    }

    [Theory]
    [InlineData("""{"server":"s","sync_status":"SYNCED","drift_count":0}""", "repo")]
    [InlineData("""{"repo":"r","sync_status":"SYNCED","drift_count":0}""", "server")]
    [InlineData("""{"repo":"r","server":"s","drift_count":0}""", "sync_status")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"GREEN","drift_count":0}""", "sync_status")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"SYNCED","drift_count":3}""", "drift_count")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":2,"files":[{"name":"a"}]}""", "files")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"UNKNOWN"}""", "error")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"SYNCED","drift_count":0,"last_check":"2030-01-01T00:00:00Z"}""", "last_check")]
    [InlineData("""{"repo":"<script>alert(1)</script>","server":"s","sync_status":"SYNCED","drift_count":0}""", "repo")]
    [InlineData("""{"repo":"r","server":"s\u0000","sync_status":"SYNCED","drift_count":0}""", "server")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"a\nb"}]}""", "files[0].name")]
    [InlineData("""{"repo":"r","server":"s","sync_status":"SYNCED","drift_count":0,"interval_seconds":-5}""", "interval_seconds")]
    public async Task A_broken_rule_is_a_422_naming_the_field_and_quoting_the_value(string json, string field)
    {
        var response = await _server.PostJson(json);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {problem}");
    }

    public static TheoryData<string, byte[], string> MalformedBodies()
    {
        var data = new TheoryData<string, byte[], string>();
        void Add(string name, string body, string contentType = "application/json") => data.Add(name, Encoding.UTF8.GetBytes(body), contentType);
        Add("empty", "");
        Add("truncated", """{"repo":"rsyslog","server":"rsyslog-lab","sync_sta""");
        Add("not an object", """["rsyslog"]""");
        Add("a number", "42");
        Add("wrong types", """{"repo":["rsyslog"],"server":"rsyslog-lab","sync_status":"SYNCED","drift_count":0}""");
        Add("number past Int64", """{"repo":"rsyslog","server":"rsyslog-lab","sync_status":"SYNCED","drift_count":99999999999999999999999}""");
        Add("1000-deep nesting", "{\"repo\":" + new string('[', 1000) + new string(']', 1000) + "}");
        Add("wrong content type", Reports.SeedSynced.Replace("rsyslog-lab", "other"), "text/plain");
        Add("form content type", "repo=rsyslog", "application/x-www-form-urlencoded");
        Add("html in a name", """{"repo":"rsyslog","server":"<img src=x onerror=alert(1)>","sync_status":"SYNCED","drift_count":0}""");
        Add("control characters in a file name", """{"repo":"rsyslog","server":"rsyslog-lab","sync_status":"OUT_OF_SYNC","drift_count":1,"files":[{"name":"\u001b[31mred"}]}""");
        Add("over the size limit", "{\"repo\":\"rsyslog\",\"pad\":\"" + new string('x', 1024 * 1024 + 10) + "\"}");
        data.Add("invalid UTF-8", [.. "{\"repo\":\"rsys"u8, 0xC3, 0x28, .. "\",\"server\":\"rsyslog-lab\",\"sync_status\":\"SYNCED\",\"drift_count\":0}"u8], "application/json");
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedBodies), MemberType = typeof(IngestionTests))]
    public async Task A_malformed_body_is_a_4xx_problem_and_loses_nothing(string name, byte[] body, string contentType)
    {
        await _server.PostJson(Reports.SeedOutOfSync);
        var before = (await _server.StatusJson()).ToString();

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var response = await _server.Client.PostAsync("/api/status", content);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").EnumerateObject().Any(), $"{name}: no field named in {problem}");
        Assert.Equal(before, (await _server.StatusJson()).ToString());
    }

    [Fact]
    public async Task Each_status_code_fits_its_rejection()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.PostJson("{")).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _server.PostJson(Reports.SeedSynced, "text/plain")).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await _server.PostJson(new string(' ', 2 * 1024 * 1024))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _server.PostJson("""{"repo":"r"}""")).StatusCode);
    }

    private async Task<string?> Outcome(string json)
    {
        var response = await _server.PostJson(json);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString();
    }
}

public sealed class IngestionTestsOnSqlite() : IngestionTests(null)
{
}

public sealed class IngestionTestsOnPostgres(PostgresCluster postgres) : IngestionTests(postgres)
{
}
