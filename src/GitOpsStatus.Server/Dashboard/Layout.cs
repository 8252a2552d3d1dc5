using GitOpsStatus.Server.Settings;
using GitOpsStatus.Server.Targets;

namespace GitOpsStatus.Server.Dashboard;

/// <summary>The page shell shared by every dashboard page: head, assets, the top bar.</summary>
internal static class Layout
{
    public static void Open(Html html, string title, ServerOptions options, DateTimeOffset now, bool refresh = true, string? signOut = null)
    {
        var seconds = (int)Math.Max(1, Math.Round(options.DashboardRefresh.TotalSeconds));
        html.Add($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>{title} · gitops-status</title>
            <link rel="icon" href="{Assets.Icon.Url}" type="image/svg+xml">
            <link rel="stylesheet" href="{Assets.Css.Url}">
            <script src="{Assets.Script.Url}" defer></script>

            """);
        // Without script the page still refreshes; with script, dashboard.js refreshes in place instead.
        if (refresh)
            html.Add($"<noscript><meta http-equiv=\"refresh\" content=\"{seconds}\"></noscript>\n");
        html.Add($"""
            </head>
            <body data-refresh="{(refresh ? seconds : 0)}"{new RawHtml(refresh ? " data-events=\"/events\"" : "")}>
            <a class="skip" href="#main">Skip to content</a>
            <header class="bar">
            <a class="brand" href="/">gitops-status</a>
            <p id="updated" class="updated">Updated <time datetime="{Targets.Time.Iso(now)}">{Format.Clock(now)}</time></p>

            """);
        // signOut: the antiforgery token of the sign-out form, shown to visitors who signed in.
        if (signOut is not null)
            html.Add($"<form method=\"post\" action=\"/logout\" class=\"signout\">{LoginPage.AntiforgeryField(signOut)}<button type=\"submit\">Sign out</button></form>\n");
        html.Raw("</header>\n<main id=\"main\">\n");
    }

    public static void Close(Html html) => html.Raw("</main>\n</body>\n</html>\n");
}
