using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace GitOpsStatus.Server.Tests;

/// <summary>
/// The OpenAPI document proven by the clients that read it: every route's every status code, answered by the
/// real app, validated against the served document (<see cref="OpenApiContract"/>), and Spectral's OAS ruleset on it.
/// </summary>
public class OpenApiTests
{
    private static Dictionary<string, string> Tokens(Dictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["GITOPS_WRITE_TOKENS"] = "w-all, w-infra:infra/*",
            ["GITOPS_ADMIN_TOKEN"] = "admin-secret",
            ["GITOPS_READ_TOKEN"] = "read-secret",
        };
        foreach (var (key, value) in more ?? [])
            settings[key] = value;
        return settings;
    }

    // Answered in ResourceFaultTests, on a full tmpfs, which checks it against the document too.
    private static readonly string[] ProvenElsewhere = ["POST /api/status 507"];

    [Fact]
    public async Task Every_route_answers_every_documented_status_code_as_the_document_says()
    {
        using var server = new AppServer(Tokens(new() { ["GITOPS_MAX_BODY_BYTES"] = "4096" }));
        var contract = await OpenApiContract.LoadAsync(server.Client, "read-secret");
        async Task<HttpResponseMessage> Check(HttpStatusCode expected, HttpMethod method, string path, string? token,
            string? json = null, string contentType = "application/json", string? ifNoneMatch = null)
        {
            using var request = new HttpRequestMessage(method, path);
            if (token is not null)
                request.Headers.Authorization = new("Bearer", token);
            if (ifNoneMatch is not null)
                request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            if (json is not null)
                request.Content = new StringContent(json, Encoding.UTF8, contentType);
            var response = await server.Client.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await contract.CheckAsync(response);
            return response;
        }
        var t = AppServer.Start.AddMinutes(-2);

        // POST /api/status
        await Check(HttpStatusCode.OK, HttpMethod.Post, "/api/status", "w-all", Reports.SeedSynced);
        await Check(HttpStatusCode.OK, HttpMethod.Post, "/api/status", "w-all", Reports.SeedOutOfSync);
        await Check(HttpStatusCode.OK, HttpMethod.Post, "/api/status", "w-all", JsonSerializer.Serialize(new
        {
            repo = "infra/rsyslog",
            server = "db-1",
            sync_status = "UNKNOWN",
            drift_count = 0,
            files = Array.Empty<object>(),
            last_check = t.ToString("O"),
            error = "ssh: connect to host db-1 port 22: Connection refused",
            source = "cron",
            interval_seconds = 300,
        }));
        await Check(HttpStatusCode.OK, HttpMethod.Post, "/api/status", "w-all", JsonSerializer.Serialize(new
        {
            repo = "nginx",
            server = "web-2",
            sync_status = "OUT_OF_SYNC",
            drift_count = 2,
            last_check = t.ToString("O"),
            revision = "4f2a9c1",
            checker = "gitops-status 0.1.0",
            duration_ms = 12,
            files = new object[]
            {
                new { name = "/etc/nginx/nginx.conf", change = "modified", repo_path = "nginx/nginx.conf", expected_sha256 = new string('a', 64), actual_sha256 = new string('b', 64), diff = "--- a\n+++ b\n", binary = false },
                new { name = "/etc/nginx/extra.conf", change = "extra" },
            },
        }));
        await Check(HttpStatusCode.OK, HttpMethod.Post, "/api/status", "w-all", Reports.WithOrigin("nginx", "web-3", t));
        await Check(HttpStatusCode.BadRequest, HttpMethod.Post, "/api/status", "w-all", "{\"repo\": ");
        await Check(HttpStatusCode.Unauthorized, HttpMethod.Post, "/api/status", null, Reports.SeedSynced);
        await Check(HttpStatusCode.Forbidden, HttpMethod.Post, "/api/status", "w-infra", Reports.Synced("nginx", "web-1", t));
        await Check(HttpStatusCode.RequestEntityTooLarge, HttpMethod.Post, "/api/status", "w-all", Reports.Drifted("big", "web-1", t, [.. Enumerable.Range(0, 400).Select(i => $"file-{i}.conf")]));
        await Check(HttpStatusCode.UnsupportedMediaType, HttpMethod.Post, "/api/status", "w-all", Reports.SeedSynced, "text/plain");
        await Check(HttpStatusCode.UnprocessableEntity, HttpMethod.Post, "/api/status", "w-all", "{\"repo\": \"../x\", \"sync_status\": \"MAYBE\"}");

        // Every read route: 200 with the read token, 401 without or with a wrong one, 403 with a write token.
        string[] reads = ["/status.json", "/metrics", "/api/targets", "/api/targets/rsyslog-lab/rsyslog", "/api/history/rsyslog-lab/rsyslog", "/api/summary",
            "/api/acknowledgements/rsyslog-lab/rsyslog"];
        foreach (var path in reads)
        {
            await Check(HttpStatusCode.OK, HttpMethod.Get, path, "read-secret");
            await Check(HttpStatusCode.Unauthorized, HttpMethod.Get, path, null);
            await Check(HttpStatusCode.Unauthorized, HttpMethod.Get, path, "wrong");
            await Check(HttpStatusCode.Forbidden, HttpMethod.Get, path, "w-all");
        }
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/api/targets/db-1/infra/rsyslog", "read-secret"); // UNKNOWN, with its error
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/api/targets/web-2/nginx", "read-secret");
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/api/targets/web-3/nginx", "read-secret"); // detection, cause, changed_by
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/api/targets?status=OUT_OF_SYNC,unknown&limit=1", "read-secret");

        // Acknowledgements: a write token for its targets or the admin token; never a read token.
        const string Ack = """{"reason":"hotfix, kept until Friday's deploy","until":"2026-04-25"}""";
        await Check(HttpStatusCode.Created, HttpMethod.Post, "/api/acknowledgements/web-2/nginx", "w-all", Ack);
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/api/acknowledgements/web-2/nginx", "read-secret");
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/api/targets/web-2/nginx", "read-secret"); // acknowledged
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/status.json", "read-secret");
        await Check(HttpStatusCode.BadRequest, HttpMethod.Post, "/api/acknowledgements/web-2/nginx", "w-all", "{");
        await Check(HttpStatusCode.UnprocessableEntity, HttpMethod.Post, "/api/acknowledgements/web-2/nginx", "w-all", """{"reason":"","until":"2020-01-01"}""");
        await Check(HttpStatusCode.NotFound, HttpMethod.Post, "/api/acknowledgements/web-9/nginx", "w-all", Ack);
        await Check(HttpStatusCode.Conflict, HttpMethod.Post, "/api/acknowledgements/db-1/infra/rsyslog", "w-all", Ack);
        await Check(HttpStatusCode.Unauthorized, HttpMethod.Post, "/api/acknowledgements/web-2/nginx", null, Ack);
        await Check(HttpStatusCode.Forbidden, HttpMethod.Post, "/api/acknowledgements/web-2/nginx", "read-secret", Ack);
        await Check(HttpStatusCode.NotFound, HttpMethod.Get, "/api/acknowledgements/web-9/nginx", "read-secret");
        await Check(HttpStatusCode.Unauthorized, HttpMethod.Delete, "/api/acknowledgements/web-2/nginx", null);
        await Check(HttpStatusCode.Forbidden, HttpMethod.Delete, "/api/acknowledgements/web-2/nginx", "read-secret");
        await Check(HttpStatusCode.OK, HttpMethod.Delete, "/api/acknowledgements/web-2/nginx", "admin-secret");
        await Check(HttpStatusCode.NotFound, HttpMethod.Delete, "/api/acknowledgements/web-2/nginx", "admin-secret");
        server.Clock.Advance(TimeSpan.FromHours(2)); // every target STALE
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/status.json", "read-secret");
        await Check(HttpStatusCode.OK, HttpMethod.Get, "/api/targets", "read-secret");

        var etag = (await Check(HttpStatusCode.OK, HttpMethod.Get, "/status.json", "read-secret")).Headers.ETag!.Tag;
        await Check(HttpStatusCode.NotModified, HttpMethod.Get, "/status.json", "read-secret", ifNoneMatch: etag);
        await Check(HttpStatusCode.BadRequest, HttpMethod.Get, "/status.json?status=BROKEN", "read-secret");
        await Check(HttpStatusCode.BadRequest, HttpMethod.Get, "/api/targets?limit=0", "read-secret");
        await Check(HttpStatusCode.BadRequest, HttpMethod.Get, "/api/targets?offset=abc", "read-secret");
        await Check(HttpStatusCode.BadRequest, HttpMethod.Get, "/api/targets?status=BROKEN", "read-secret");
        await Check(HttpStatusCode.NotFound, HttpMethod.Get, "/api/targets/web-9/infra/rsyslog", "read-secret");
        await Check(HttpStatusCode.BadRequest, HttpMethod.Get, "/api/history/rsyslog-lab/rsyslog?limit=5000", "read-secret");
        await Check(HttpStatusCode.BadRequest, HttpMethod.Get, "/api/history/rsyslog-lab/rsyslog?before=yesterday", "read-secret");
        await Check(HttpStatusCode.NotFound, HttpMethod.Get, "/api/history/web-9/infra/rsyslog", "read-secret");

        // DELETE needs the admin token.
        await Check(HttpStatusCode.Unauthorized, HttpMethod.Delete, "/api/targets/web-2/nginx", null);
        await Check(HttpStatusCode.Forbidden, HttpMethod.Delete, "/api/targets/web-2/nginx", "read-secret");
        await Check(HttpStatusCode.NoContent, HttpMethod.Delete, "/api/targets/web-2/nginx", "admin-secret");
        await Check(HttpStatusCode.NotFound, HttpMethod.Delete, "/api/targets/web-2/nginx", "admin-secret");

        // 429: over the write rate. 503: a body that stalls past the request timeout.
        using (var limited = new AppServer(new() { ["GITOPS_WRITE_RATE_LIMIT"] = "1" }))
        {
            HttpResponseMessage response;
            var sent = 0;
            do
                response = await limited.PostJson(Reports.Synced("r", $"s{sent++}", AppServer.Start));
            while (response.StatusCode == HttpStatusCode.OK && sent < 10);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            await contract.CheckAsync(response);
        }
        // On Kestrel, over a raw socket: the test server hands the app a body only once all of it is sent,
        // and HttpClient reports the early answer as a failure to send.
        var slowData = Directory.CreateTempSubdirectory("gitops-status-openapi-").FullName;
        await using (var slow = await ServerProcess.StartAsync(slowData, "--request-timeout", "1s"))
        {
            var response = await StalledPostAsync(slow.BaseAddress, Encoding.UTF8.GetBytes(Reports.SeedSynced));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await contract.CheckAsync(response);
        }
        Directory.Delete(slowData, recursive: true);

        var missed = contract.Documented().Except(contract.Seen).Except(ProvenElsewhere).ToList();
        Assert.True(missed.Count == 0, "documented but never answered in this test: " + string.Join(", ", missed));
    }

    [Fact]
    public async Task The_served_document_passes_spectrals_oas_ruleset_without_a_warning()
    {
        using var server = new AppServer();
        var document = Path.Combine(server.DataDir, "openapi.json");
        await File.WriteAllTextAsync(document, (await OpenApiContract.LoadAsync(server.Client)).Json);
        var spectral = Path.Combine(RepoRoot(), "tests", "spectral");
        var bin = Path.Combine(spectral, "node_modules", ".bin", "spectral");
        Assert.True(File.Exists(bin), $"{bin} is missing: run scripts/install-test-deps.sh, which installs it with npm");

        var start = new ProcessStartInfo(bin) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "lint", "--ruleset", Path.Combine(spectral, ".spectral.yaml"), "--format", "json", "--fail-severity", "hint", "--quiet", document })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var results = JsonDocument.Parse(await output).RootElement;
        Assert.True(results.GetArrayLength() == 0, "spectral:oas found:\n" + string.Join('\n', results.EnumerateArray().Select(r =>
            $"{r.GetProperty("code")} at {string.Join('.', r.GetProperty("path").EnumerateArray())}: {r.GetProperty("message")}")));
        Assert.True(process.ExitCode == 0, await errors);
    }

    [Fact]
    public async Task The_document_types_integers_as_integers_and_the_stored_report_as_the_report()
    {
        using var server = new AppServer();
        var json = (await OpenApiContract.LoadAsync(server.Client)).Json;
        var document = JsonDocument.Parse(json).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");

        Assert.DoesNotContain("^-?(?:0|[1-9]\\\\d*)$", json, StringComparison.Ordinal); // the pattern of ["integer","string"]
        Assert.Equal("integer", schemas.GetProperty("TargetItem").GetProperty("properties").GetProperty("drift_count").GetProperty("type").GetString());
        Assert.Equal("#/components/schemas/StatusReport", schemas.GetProperty("TargetDetailResponse").GetProperty("properties").GetProperty("report").GetProperty("$ref").GetString());
        var report = schemas.GetProperty("StatusReport");
        Assert.Equal(["repo", "server", "sync_status"], report.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("date-time", report.GetProperty("properties").GetProperty("last_check").GetProperty("format").GetString());
        var post = document.GetProperty("paths").GetProperty("/api/status").GetProperty("post");
        Assert.Equal("#/components/schemas/StatusReport",
            post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task The_document_lists_the_optional_mode_and_owner_fields_of_a_drifted_file_with_their_types()
    {
        using var server = new AppServer();
        var document = JsonDocument.Parse((await OpenApiContract.LoadAsync(server.Client)).Json).RootElement;
        // The report's files, inlined in the report's schema (the one POST /api/status reads and the target routes return).
        var file = document.GetProperty("components").GetProperty("schemas").GetProperty("StatusReport").GetProperty("properties").GetProperty("files").GetProperty("items");
        var properties = file.GetProperty("properties");
        static string[] Types(JsonElement schema) => schema.GetProperty("type") is { ValueKind: JsonValueKind.Array } many
            ? [.. many.EnumerateArray().Select(t => t.GetString()!).Order(StringComparer.Ordinal)]
            : [schema.GetProperty("type").GetString()!];

        foreach (var name in new[] { "expected_mode", "actual_mode", "expected_owner", "actual_owner" })
        {
            Assert.True(properties.TryGetProperty(name, out var field), $"DriftedFile has no {name}");
            Assert.Equal(["null", "string"], Types(field)); // optional on the wire: absent or null for a content change
            Assert.True(field.TryGetProperty("description", out var description) && description.GetString() is { Length: > 0 }, $"{name} has no description: {field}");
        }
        Assert.Equal("^[0-7]{1,5}$", properties.GetProperty("expected_mode").GetProperty("pattern").GetString());
        Assert.Equal("^[0-7]{1,5}$", properties.GetProperty("actual_mode").GetProperty("pattern").GetString());
        Assert.Equal(Core.Reports.ReportValidator.MaxTextLength, properties.GetProperty("actual_owner").GetProperty("maxLength").GetInt32());
        Assert.Equal(["name"], file.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task The_document_lists_detection_cause_and_changed_by_with_their_rules()
    {
        using var server = new AppServer();
        var schemas = JsonDocument.Parse((await OpenApiContract.LoadAsync(server.Client)).Json).RootElement.GetProperty("components").GetProperty("schemas");
        var report = schemas.GetProperty("StatusReport").GetProperty("properties");
        var file = report.GetProperty("files").GetProperty("items").GetProperty("properties");
        static string[] Values(JsonElement schema) => [.. schema.GetProperty("enum").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)];

        Assert.Equal(["realtime", "scheduled", "degraded"], Values(report.GetProperty("detection")));
        Assert.Equal(1000, report.GetProperty("detection_error").GetProperty("maxLength").GetInt32());
        Assert.Equal(["other_revision", "edited"], Values(file.GetProperty("cause")));
        Assert.Equal("^[0-9a-fA-F]{7,64}$", file.GetProperty("matches_revision").GetProperty("pattern").GetString());
        var changedBy = file.GetProperty("changed_by");
        if (changedBy.TryGetProperty("$ref", out var reference))
            changedBy = schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
        else if (changedBy.TryGetProperty("oneOf", out var oneOf))
            changedBy = schemas.GetProperty(oneOf.EnumerateArray().First(o => o.TryGetProperty("$ref", out _)).GetProperty("$ref").GetString()!.Split('/')[^1]);
        Assert.True(changedBy.TryGetProperty("required", out _), changedBy.ToString());
        Assert.Equal(["at", "pid", "process", "uid", "user"], changedBy.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));
        var by = changedBy.GetProperty("properties");
        Assert.Equal("date-time", by.GetProperty("at").GetProperty("format").GetString());
        Assert.Equal("4294967295", by.GetProperty("uid").GetProperty("maximum").ToString());
        Assert.Equal(16, by.GetProperty("parents").GetProperty("maxItems").GetInt32());
        Assert.Equal(4096, by.GetProperty("exe").GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public async Task The_paging_parameters_are_integers_in_the_document_although_the_handlers_read_them_as_text()
    {
        using var server = new AppServer();
        var document = JsonDocument.Parse((await OpenApiContract.LoadAsync(server.Client)).Json).RootElement;
        JsonElement Parameter(string path, string name) => document.GetProperty("paths").GetProperty(path).GetProperty("get")
            .GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name).GetProperty("schema");

        Assert.Equal("integer", Parameter("/api/targets", "limit").GetProperty("type").GetString());
        Assert.Equal("1000", Parameter("/api/targets", "limit").GetProperty("maximum").ToString());
        Assert.Equal("integer", Parameter("/api/targets", "offset").GetProperty("type").GetString());
        Assert.Equal("integer", Parameter("/api/history/{server}/{repo}", "limit").GetProperty("type").GetString());
        Assert.Equal("integer", Parameter("/api/history/{server}/{repo}", "before").GetProperty("type").GetString());
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GitOpsStatus.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("GitOpsStatus.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Half of <paramref name="body"/>, then nothing: the server's answer, read off the socket.</summary>
    private static async Task<HttpResponseMessage> StalledPostAsync(Uri server, byte[] body)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /api/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
        await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
        var raw = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var (head, content) = (raw[..raw.IndexOf("\r\n\r\n", StringComparison.Ordinal)], raw[(raw.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        var lines = head.Split("\r\n");
        var response = new HttpResponseMessage((HttpStatusCode)int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))
        {
            RequestMessage = new HttpRequestMessage(HttpMethod.Post, new Uri(server, "/api/status")),
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Unchunk(content) : content)),
        };
        foreach (var line in lines.Skip(1))
        {
            var (name, value) = (line[..line.IndexOf(':', StringComparison.Ordinal)], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                continue;
            if (!response.Headers.TryAddWithoutValidation(name, value))
                response.Content.Headers.TryAddWithoutValidation(name, value);
        }
        return response;
    }

    /// <summary>A chunked body's data (hexadecimal size, CRLF, data, CRLF; size 0 ends it).</summary>
    private static string Unchunk(string chunked)
    {
        var data = new StringBuilder();
        for (var at = 0; at < chunked.Length;)
        {
            var end = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[at..end], 16);
            if (size == 0)
                break;
            data.Append(chunked, end + 2, size);
            at = end + 2 + size + 2;
        }
        return data.ToString();
    }
}
