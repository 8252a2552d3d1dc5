using System.Net;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>deploy/grafana against the real server: every Infinity query must select what /status.json returns.</summary>
public sealed class GrafanaTests : IDisposable
{
    private const string Infinity = "yesoreyeram-infinity-datasource";
    private static readonly string Grafana = Path.Combine(Artifacts.RepoRoot(), "deploy", "grafana");
    private readonly LiveServer _server = new();

    public void Dispose() => _server.Dispose();

    private static JsonElement Dashboard() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Grafana, "dashboards", "gitops-status.json"))).RootElement;

    private static IEnumerable<(string Panel, JsonElement Target)> Targets(string datasourceType) =>
        from panel in Dashboard().GetProperty("panels").EnumerateArray()
        from target in panel.GetProperty("targets").EnumerateArray()
        where target.GetProperty("datasource").GetProperty("type").GetString() == datasourceType
        select (panel.GetProperty("title").GetString()!, target);

    [Fact]
    public async Task Every_infinity_query_selects_fields_that_status_json_really_returns()
    {
        await Fleet.Seed(_server);
        var queries = Targets(Infinity).ToList();
        Assert.True(queries.Count >= 5, "the table and four stat panels query /status.json");

        foreach (var (panel, target) in queries)
        {
            var url = target.GetProperty("url").GetString()!;
            Assert.StartsWith("/status.json", url, StringComparison.Ordinal);
            Assert.Equal("json", target.GetProperty("type").GetString());
            Assert.Equal("url", target.GetProperty("source").GetString());
            Assert.Equal("", target.GetProperty("root_selector").GetString());

            var response = await _server.Client.GetAsync(new Uri(url, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{panel}: GET {url} answered {(int)response.StatusCode}");
            var rows = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(rows.GetArrayLength() > 0, $"{panel}: GET {url} returned no row to check the columns against");
            var keys = rows.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToHashSet();
            foreach (var column in target.GetProperty("columns").EnumerateArray())
            {
                var selector = column.GetProperty("selector").GetString()!;
                Assert.True(keys.Contains(selector), $"{panel}: column selector \"{selector}\" is not a key of /status.json ({string.Join(", ", keys)})");
            }
        }
    }

    [Fact]
    public async Task The_target_table_shows_its_columns_in_order_and_the_worst_targets_first_after_infinitys_backend_parser()
    {
        await Fleet.Seed(_server);
        var table = TargetTable();
        var query = table.GetProperty("targets")[0];
        var rows = JsonDocument.Parse(await _server.Client.GetStringAsync(new Uri(query.GetProperty("url").GetString()!, UriKind.Relative))).RootElement;

        var parsed = InfinityBackend.Parse(rows, query.GetProperty("columns"));
        var shown = GrafanaTransformations.Apply(parsed, table.TryGetProperty("transformations", out var t) ? t : default);

        Assert.Equal(parsed.Select(f => f.Name).Order(StringComparer.Ordinal), parsed.Select(f => f.Name)); // what the parser does
        Assert.Equal(["Repo", "Server", "Status", "Drifted", "Files", "Error", "Status since", "Last check", "Revision", "Source"], shown.Select(f => f.Name));
        Assert.Equal(["UNKNOWN", "STALE", "OUT_OF_SYNC", "OUT_OF_SYNC", "SYNCED", "SYNCED"], shown.Single(f => f.Name == "Status").Values.Select(v => v.GetString()));
        Assert.False(table.GetProperty("options").TryGetProperty("sortBy", out var sortBy) && sortBy.GetArrayLength() > 0,
            "the panel's own sortBy would re-sort the rows by a column's text");
        foreach (var o in table.GetProperty("fieldConfig").GetProperty("overrides").EnumerateArray())
            Assert.Contains(o.GetProperty("matcher").GetProperty("options").GetString(), shown.Select(f => f.Name));
    }

    private static JsonElement TargetTable() =>
        Dashboard().GetProperty("panels").EnumerateArray().Single(p => p.GetProperty("type").GetString() == "table" && p.GetProperty("title").GetString() == "Targets");

    [Fact]
    public void The_status_column_maps_every_status_to_its_colour_and_each_stat_panel_counts_one_status()
    {
        var table = TargetTable();
        var statusOverride = table.GetProperty("fieldConfig").GetProperty("overrides").EnumerateArray()
            .Single(o => o.GetProperty("matcher").GetProperty("options").GetString() == "Status");
        var mapping = statusOverride.GetProperty("properties").EnumerateArray().Single(p => p.GetProperty("id").GetString() == "mappings")
            .GetProperty("value")[0].GetProperty("options");
        var colours = mapping.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("color").GetString());

        Assert.Equal(new Dictionary<string, string?> { ["SYNCED"] = "green", ["OUT_OF_SYNC"] = "red", ["STALE"] = "#8e8e8e", ["UNKNOWN"] = "#f2a900" }, colours);
        var statUrls = Dashboard().GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() == "stat")
            .Select(p => p.GetProperty("targets")[0].GetProperty("url").GetString());
        Assert.Equal(["/status.json?status=SYNCED", "/status.json?status=OUT_OF_SYNC", "/status.json?status=STALE", "/status.json?status=UNKNOWN"], statUrls);
    }

    [Fact]
    public async Task Prometheus_panels_use_only_metric_names_the_servers_metrics_really_exposes()
    {
        await Fleet.Seed(_server);
        var exposition = await _server.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var metrics = System.Text.RegularExpressions.Regex.Matches(exposition, @"^# TYPE (\w+)", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet();
        var queries = Targets("prometheus").ToList();

        Assert.NotEmpty(queries);
        foreach (var (panel, target) in queries)
        {
            var expr = target.GetProperty("expr").GetString()!;
            var names = System.Text.RegularExpressions.Regex.Matches(expr, @"gitops_\w+").Select(m => m.Value).ToList();
            Assert.NotEmpty(names);
            Assert.All(names, n => Assert.Contains(n, metrics));
            Assert.Equal("${prometheus}", target.GetProperty("datasource").GetProperty("uid").GetString());
        }
    }

    [Fact]
    public void The_datasources_are_provisioned_with_the_uids_the_dashboard_uses_and_the_services_address()
    {
        var infinity = Datasource("gitops-status.yaml");
        var prometheus = Datasource("gitops-status-prometheus.yaml");

        Assert.Equal(Infinity, Scalar(infinity, "type"));
        Assert.Equal("gitops-status-infinity", Scalar(infinity, "uid"));
        Assert.Equal(DeployTests.ServiceUrl(), Scalar(infinity, "url"));
        var json = (YamlMappingNode)infinity["jsonData"];
        Assert.Equal("Authorization", Scalar(json, "httpHeaderName1"));
        Assert.Contains(DeployTests.ServiceUrl(), ((YamlSequenceNode)json["allowedHosts"]).Select(n => n.ToString()));
        Assert.Equal("Bearer $GITOPS_READ_TOKEN", Scalar((YamlMappingNode)infinity["secureJsonData"], "httpHeaderValue1"));
        Assert.Equal("gitops-status-prometheus", Scalar(prometheus, "uid"));
        Assert.Contains(Targets(Infinity), t => t.Target.GetProperty("datasource").GetProperty("uid").GetString() == "gitops-status-infinity");
        var variable = Dashboard().GetProperty("templating").GetProperty("list")[0];
        Assert.Equal("gitops-status-prometheus", variable.GetProperty("current").GetProperty("value").GetString());
    }

    private static YamlMappingNode Datasource(string file)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Grafana, "provisioning", "datasources", file))));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return (YamlMappingNode)((YamlSequenceNode)root["datasources"]).Single();
    }

    internal static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}
