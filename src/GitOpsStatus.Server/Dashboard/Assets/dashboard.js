// gitops-status dashboard: progressive enhancement only. Every page works without this file
// (links, a GET form, <noscript> refresh); with it, filters apply as you type, sorting and the
// status counts don't reload the page, and the page refreshes in place every data-refresh
// seconds and whenever the server says a report landed (Server-Sent Events, /events), keeping the filter, the scroll position and the focus. The server renders all
// markup: this script only moves server-rendered, already-encoded elements into the page.
(() => {
  "use strict";

  // Regions the server marks with these ids are replaced by their fresh version.
  const REGIONS = ["updated", "counts", "results", "filter-state", "target"];
  const refreshSeconds = Number(document.body.dataset.refresh || "0");
  const form = document.getElementById("filters");
  let pending = null;
  let lastLoad = Date.now();
  let again = false; // a change arrived while a load was running: load once more after it

  async function load(url, how) {
    if (pending) pending.abort();
    const controller = new AbortController();
    pending = controller;
    let text;
    try {
      const response = await fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store", signal: controller.signal });
      if (new URL(response.url).pathname === "/login") {
        location.assign(response.url); // signed out meanwhile: show the login form
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      if (error.name !== "AbortError") document.getElementById("updated")?.classList.add("failed");
      return;
    } finally {
      if (pending === controller) pending = null;
    }
    lastLoad = Date.now();
    swap(new DOMParser().parseFromString(text, "text/html"));
    if (how === "push") history.pushState(null, "", url);
    else if (how === "replace") history.replaceState(null, "", url);
    if (again) {
      again = false;
      load(location.pathname + location.search, null);
    }
  }

  function swap(fresh) {
    const focusKey = keyOf(document.activeElement);
    for (const id of REGIONS) {
      const mine = document.getElementById(id);
      const theirs = fresh.getElementById(id);
      if (mine && theirs) mine.replaceWith(document.adoptNode(theirs));
    }
    // The pickers follow the URL (a count link changes the status) unless someone is using them.
    const freshForm = fresh.getElementById("filters");
    if (form && freshForm) {
      for (const name of ["repo", "status"]) {
        const mine = form.elements.namedItem(name);
        const theirs = freshForm.elements.namedItem(name);
        if (mine && theirs && mine !== document.activeElement) mine.replaceWith(document.adoptNode(theirs));
      }
    }
    document.title = fresh.title;
    if (focusKey) restoreFocus(focusKey);
  }

  // Links in swapped regions are replaced too; put the focus back on the same control.
  function keyOf(element) {
    if (!element || element === document.body) return null;
    if (element.dataset.sort) return `sort:${element.dataset.sort}`;
    if (element.dataset.status && element.matches("a.count")) return `status:${element.dataset.status}`;
    return null;
  }

  function restoreFocus(key) {
    if (document.activeElement && document.activeElement !== document.body) return;
    const [kind, value] = key.split(":");
    const selector = kind === "sort" ? `a[data-sort="${CSS.escape(value)}"]` : `a.count[data-status="${CSS.escape(value)}"]`;
    document.querySelector(selector)?.focus();
  }

  // The form's fields over the current URL, so the sort survives typing a filter.
  function formUrl() {
    const params = new URLSearchParams(location.search);
    for (const name of ["q", "repo", "status"]) {
      const value = (form.elements.namedItem(name)?.value || "").trim();
      if (value) params.set(name, value);
      else params.delete(name);
    }
    params.delete("page");
    const query = params.toString();
    return "/" + (query ? `?${query}` : "");
  }

  if (form) {
    let typing = 0;
    form.addEventListener("input", (event) => {
      if (event.target.name !== "q") return;
      clearTimeout(typing);
      typing = setTimeout(() => load(formUrl(), "replace"), 250);
    });
    form.addEventListener("change", (event) => {
      if (event.target.tagName === "SELECT") load(formUrl(), "push");
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(typing);
      load(formUrl(), "push");
    });
  }

  // Sort headers, status counts, repo links and pages of the list: same page, new state.
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("a[href]");
    if (!link || !form || !link.closest("#counts, #results")) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin || url.pathname !== "/") return;
    event.preventDefault();
    load(url.pathname + url.search, "push");
  });

  window.addEventListener("popstate", () => {
    if (form) {
      const params = new URLSearchParams(location.search);
      form.elements.namedItem("q").value = params.get("q") || "";
    }
    load(location.pathname + location.search, null);
  });

  // Live: the server's event stream says when a report landed, and the page reloads its regions at once. The timed
  // refresh below stays, for relative times and as the fallback when the stream is refused or cut.
  const eventsUrl = document.body.dataset.events;
  if (eventsUrl && window.EventSource) {
    const source = new EventSource(eventsUrl);
    source.addEventListener("change", () => {
      if (document.hidden) lastLoad = 0; // reload when shown again
      else if (pending) again = true;
      else load(location.pathname + location.search, null);
    });
    window.addEventListener("pagehide", () => source.close());
  }

  if (refreshSeconds > 0) {
    const due = () => Date.now() - lastLoad >= refreshSeconds * 1000;
    setInterval(() => {
      if (!document.hidden && !pending && due()) load(location.pathname + location.search, null);
    }, Math.min(1000, refreshSeconds * 1000));
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && !pending && due()) load(location.pathname + location.search, null);
    });
  }
})();
