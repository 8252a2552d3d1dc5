using System.Text.Json;

namespace GitOpsStatus.Dashboard.Tests;

/// <summary>One column of a data frame, as Grafana's panels receive it.</summary>
public sealed record FrameField(string Name, List<JsonElement> Values);

/// <summary>
/// The Infinity datasource's backend JSON parser (parser "backend") for an array of flat objects with
/// column selectors, as grafana/infinity-libs lib/go/jsonframer and gframer do it:
/// jsonframer.getColumnValuesFromResponseString turns each row into a map keyed by the column's alias
/// (its selector when it has none), and gframer.sliceToFrame makes one field per key of those maps in
/// sortedKeys order (Go's sort.Strings: by bytes), typed by the column whose alias is that key.
/// So the frame's fields come out sorted by alias, whatever the order of the query's columns.
/// </summary>
public static class InfinityBackend
{
    public static List<FrameField> Parse(JsonElement rows, JsonElement columns)
    {
        Assert.Equal(JsonValueKind.Array, rows.ValueKind);
        var selected = columns.EnumerateArray().Select(c => (Selector: c.GetProperty("selector").GetString()!, Alias: c.TryGetProperty("text", out var t) ? t.GetString() : null)).ToList();
        // A plain key is a gjson path to that property; anything else would need gjson's syntax.
        Assert.All(selected, c => Assert.Matches("^[a-z_]+$", c.Selector));

        var maps = rows.EnumerateArray().Select(row => selected.ToDictionary(
            c => string.IsNullOrEmpty(c.Alias) ? c.Selector : c.Alias,
            c => row.TryGetProperty(c.Selector, out var v) ? v : default)).ToList();
        var keys = maps.SelectMany(m => m.Keys).Distinct().Order(StringComparer.Ordinal);
        return keys.Select(k => new FrameField(k, maps.Select(m => m[k]).ToList())).ToList();
    }
}

/// <summary>The Grafana transformations the dashboard uses, as grafana/grafana's sortBy and organize transformers apply them.</summary>
public static class GrafanaTransformations
{
    public static List<FrameField> Apply(List<FrameField> frame, JsonElement transformations)
    {
        if (transformations.ValueKind != JsonValueKind.Array)
            return frame;
        foreach (var transformation in transformations.EnumerateArray())
        {
            var options = transformation.GetProperty("options");
            frame = transformation.GetProperty("id").GetString() switch
            {
                "sortBy" => SortBy(frame, options.GetProperty("sort")[0]),
                "organize" => Organize(frame, options),
                var id => throw new Xunit.Sdk.XunitException($"the test does not model Grafana's \"{id}\" transformation"),
            };
        }
        return frame;
    }

    // Rows ordered by one field's numbers, descending when "desc" is set.
    private static List<FrameField> SortBy(List<FrameField> frame, JsonElement sort)
    {
        var by = frame.Single(f => f.Name == sort.GetProperty("field").GetString());
        var desc = sort.TryGetProperty("desc", out var d) && d.GetBoolean();
        var order = Enumerable.Range(0, by.Values.Count).OrderBy(i => desc ? -by.Values[i].GetDouble() : by.Values[i].GetDouble()).ToList();
        return frame.Select(f => f with { Values = order.Select(i => f.Values[i]).ToList() }).ToList();
    }

    // excludeByName drops fields; indexByName orders them (fields it does not list go last), renameByName renames.
    private static List<FrameField> Organize(List<FrameField> frame, JsonElement options)
    {
        bool Excluded(string name) => options.TryGetProperty("excludeByName", out var e) && e.TryGetProperty(name, out var x) && x.GetBoolean();
        double Index(string name) => options.TryGetProperty("indexByName", out var i) && i.TryGetProperty(name, out var n) ? n.GetDouble() : double.PositiveInfinity;
        string Rename(string name) => options.TryGetProperty("renameByName", out var r) && r.TryGetProperty(name, out var n) && n.GetString() is { Length: > 0 } to ? to : name;
        return frame.Where(f => !Excluded(f.Name)).OrderBy(f => Index(f.Name)).Select(f => f with { Name = Rename(f.Name) }).ToList();
    }
}
