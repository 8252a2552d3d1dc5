using System.Text.Json;

namespace GitOpsStatus.Core.Reports;

/// <summary>Turns a request body into a <see cref="StatusReport"/>, or into the one error that made it unreadable.</summary>
public static class ReportParser
{
    /// <summary>Parses UTF-8 JSON. Never throws: malformed input comes back as an error naming the field where parsing stopped.</summary>
    public static (StatusReport? Report, ReportError? Error) Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IsEmpty)
            return (null, new ReportError("$", "the body is empty; expected a JSON object"));
        try
        {
            var report = JsonSerializer.Deserialize(utf8Json, ReportJson.Default.StatusReport);
            return report is null
                ? (null, new ReportError("$", "the body is null; expected a JSON object"))
                : (report, null);
        }
        catch (JsonException e)
        {
            return (null, Describe(e));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or System.Text.DecoderFallbackException)
        {
            return (null, new ReportError("$", $"the body is not valid UTF-8 JSON: {e.Message}"));
        }
    }

    private static ReportError Describe(JsonException e)
    {
        var field = FieldOf(e.Path);
        var expected = Expected(field);
        var detail = e.Message.Split(" Path:", 2)[0].TrimEnd('.');
        var position = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        if (field == "$")
            return new ReportError("$", $"the body is not a valid JSON object{position}: {detail}");
        // A converter's own message (e.g. the timestamp's) says more than "expected X".
        var custom = !detail.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            && !detail.Contains("invalid", StringComparison.OrdinalIgnoreCase);
        return new ReportError(field, custom
            ? $"is not valid{position}: {detail}"
            : $"has the wrong type or value{position}; expected {expected}");
    }

    /// <summary>"$.files[0].name" → "files[0].name"; "$", "$." (an empty key) or null → "$".</summary>
    private static string FieldOf(string? path)
    {
        var field = path is null ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
        return field.Length == 0 || field == "$" ? "$" : field;
    }

    private static string Expected(string field)
    {
        var leaf = field[(field.LastIndexOf('.') + 1)..];
        if (leaf.StartsWith("files[", StringComparison.Ordinal))
            return "an object like {\"name\": \"rsyslog.conf\"}";
        if (leaf.StartsWith("parents", StringComparison.Ordinal))
            return "an array of process names like [\"sudo\", \"bash\", \"sshd\"]";
        return leaf switch
        {
            "drift_count" or "interval_seconds" or "duration_ms" or "uid" or "pid" => "a whole number",
            "changed_by" => "an object like {\"user\": \"root\", \"uid\": 0, \"process\": \"vim\", \"pid\": 4242, \"at\": \"2026-04-21T10:31:02Z\"}",
            "files" => "an array of objects like {\"name\": \"rsyslog.conf\"}",
            "last_check" or "at" => "an ISO 8601 timestamp with an offset, like \"2026-04-21T10:30:00Z\"",
            "binary" => "true or false",
            _ => "a string",
        };
    }
}
