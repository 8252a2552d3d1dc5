using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>deploy/: the Dockerfile's publish step really produces a server that starts, and the manifests agree with it.</summary>
public sealed class DeployTests
{
    private static readonly string Kubernetes = System.IO.Path.Combine(Artifacts.RepoRoot(), "deploy", "kubernetes");

    [Fact]
    public async Task The_dockerfiles_publish_command_produces_a_server_that_answers_healthz()
    {
        using var script = Process.Start(new ProcessStartInfo("bash", [System.IO.Path.Combine(Artifacts.RepoRoot(), "deploy", "test-publish.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = script.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = script.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await script.WaitForExitAsync(timeout.Token);

        Assert.True(script.ExitCode == 0, $"deploy/test-publish.sh failed ({script.ExitCode}):\n{await output}\n{await errors}");
        Assert.Contains("answered /healthz, /readyz and /", await output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgresql")]
    public void The_deployment_probes_health_listens_where_the_service_points_and_runs_locked_down(string variant)
    {
        var deployment = Load(System.IO.Path.Combine(variant, "deployment.yaml"));
        var pod = (YamlMappingNode)At(deployment, "spec", "template", "spec");
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Single();
        var env = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"));
        var port = (YamlMappingNode)((YamlSequenceNode)container["ports"]).Single();

        Assert.Equal("observability-stack", Scalar((YamlMappingNode)deployment["metadata"], "namespace"));
        Assert.Equal("http://+:8080", Scalar(env["ASPNETCORE_URLS"], "value"));
        Assert.Equal("8080", Scalar(port, "containerPort"));
        Assert.Equal("http", Scalar(port, "name"));
        Assert.Equal("/healthz", At(container, "livenessProbe", "httpGet", "path").ToString());
        Assert.Equal("/readyz", At(container, "readinessProbe", "httpGet", "path").ToString());
        Assert.Equal("http", At(container, "readinessProbe", "httpGet", "port").ToString());
        Assert.NotNull(At(container, "resources", "requests", "cpu"));
        Assert.NotNull(At(container, "resources", "requests", "memory"));
        Assert.Equal("true", At(pod, "securityContext", "runAsNonRoot").ToString());
        Assert.Equal("true", At(container, "securityContext", "readOnlyRootFilesystem").ToString());
        Assert.Equal("false", At(container, "securityContext", "allowPrivilegeEscalation").ToString());
        var mounts = ((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>().Select(m => Scalar(m, "mountPath"));
        Assert.Contains("/data", mounts);
        var labels = (YamlMappingNode)At(deployment, "spec", "template", "metadata", "labels");
        var selector = (YamlMappingNode)At(Load("base/service.yaml"), "spec", "selector");
        Assert.All(selector.Children, s => Assert.Equal(s.Value.ToString(), labels[s.Key].ToString()));

        if (variant == "sqlite")
        {
            Assert.Equal("1", At(deployment, "spec", "replicas").ToString());
            Assert.Equal("Recreate", At(deployment, "spec", "strategy", "type").ToString());
            Assert.Equal("/data", Scalar(env["GITOPS_DATA_DIR"], "value"));
            var claim = ((YamlSequenceNode)pod["volumes"]).Cast<YamlMappingNode>().Single(v => Scalar(v, "name") == "data");
            Assert.Equal(Scalar((YamlMappingNode)Load("sqlite/pvc.yaml")["metadata"], "name"), At(claim, "persistentVolumeClaim", "claimName").ToString());
        }
        else
        {
            Assert.True(int.Parse(At(deployment, "spec", "replicas").ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 2);
            Assert.Equal("connection-string", At(env["GITOPS_DATABASE"], "valueFrom", "secretKeyRef", "key").ToString());
        }
    }

    [Fact]
    public void The_service_is_gitops_status_server_on_port_80_as_in_the_seed()
    {
        Assert.Equal("http://gitops-status-server.observability-stack.svc.cluster.local:80", ServiceUrl());
        var port = (YamlMappingNode)((YamlSequenceNode)At(Load("base/service.yaml"), "spec", "ports")).Single();
        Assert.Equal("http", Scalar(port, "targetPort"));
    }

    /// <summary>The in-cluster URL the base Service gives the server.</summary>
    internal static string ServiceUrl()
    {
        var service = Load("base/service.yaml");
        var metadata = (YamlMappingNode)service["metadata"];
        var port = (YamlMappingNode)((YamlSequenceNode)At(service, "spec", "ports")).Single();
        return $"http://{Scalar(metadata, "name")}.{Scalar(metadata, "namespace")}.svc.cluster.local:{Scalar(port, "port")}";
    }

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(System.IO.Path.Combine(Kubernetes, file))));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlNode At(YamlMappingNode node, params string[] keys) =>
        keys.Aggregate((YamlNode)node, (current, key) => ((YamlMappingNode)current)[key]);

    private static string Scalar(YamlMappingNode node, string key) => GrafanaTests.Scalar(node, key);
}
