// buildbtw's page enhancements, served from the binary beside htmx. Pages read fully without it; with it,
// live parts follow the server's event stream (one EventSource per [data-live] element):
//   swap   — HTML: top-level elements replace the elements with the same id, through htmx (others are ignored)
//   status — JSON [[buildId, status], …]: recolours every [data-build] element (SVG nodes, list items)
//   log    — text appended to #log
//   notice — HTML for #live-notice (a new iteration, or "this page is out of date")
//   done   — the stream has nothing more to say
(() => {
  const streams = new Map();

  function swapHtml(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    for (const fresh of Array.from(template.content.children)) {
      const current = fresh.id && document.getElementById(fresh.id);
      if (!current) continue;
      if (window.htmx) window.htmx.swap(current, fresh.outerHTML, { swapStyle: "outerHTML" });
      else current.replaceWith(fresh);
    }
  }

  function setStatuses(json) {
    for (const [id, status] of JSON.parse(json)) {
      for (const el of document.querySelectorAll(`[data-build="${id}"]`)) {
        el.setAttribute("data-status", status);
        const label = el.getAttribute("data-label");
        if (label) el.setAttribute("aria-label", `${label}: ${status}`);
        for (const word of el.querySelectorAll(".st-word")) word.textContent = status;
      }
    }
  }

  function appendLog(text) {
    const log = document.getElementById("log");
    if (!log) return;
    const follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 40;
    const empty = log.querySelector(".log-empty");
    if (empty) empty.remove();
    log.append(document.createTextNode(text));
    if (follow) log.scrollTop = log.scrollHeight;
  }

  function setState(el, state) {
    const badge = document.getElementById("live-state");
    if (badge) badge.textContent = state;
    el.setAttribute("data-live-state", state);
  }

  function connect(el) {
    const url = el.getAttribute("data-live");
    if (!url || streams.has(el)) return;
    const source = new EventSource(url);
    streams.set(el, source);
    const guard = (fn) => (event) => {
      if (!el.isConnected) {
        source.close();
        streams.delete(el);
        return;
      }
      fn(event.data);
    };
    source.addEventListener("open", () => setState(el, "live"));
    source.addEventListener("error", () => setState(el, source.readyState === 2 ? "stopped" : "reconnecting…"));
    source.addEventListener("swap", guard(swapHtml));
    source.addEventListener("status", guard(setStatuses));
    source.addEventListener("log", guard(appendLog));
    source.addEventListener(
      "notice",
      guard((html) => {
        const box = document.getElementById("live-notice");
        if (box) box.innerHTML = html;
      }),
    );
    source.addEventListener(
      "done",
      guard(() => {
        source.close();
        streams.delete(el);
        setState(el, "finished");
      }),
    );
  }

  function scan(root) {
    if (root.matches?.("[data-live]")) connect(root);
    for (const el of root.querySelectorAll?.("[data-live]") ?? []) connect(el);
  }

  // Elapsed times of running builds tick in the browser; the server rendered the same text once.
  function formatElapsed(ms) {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
    return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
  }
  setInterval(() => {
    for (const el of document.querySelectorAll("[data-since]")) {
      const since = Date.parse(el.getAttribute("data-since"));
      if (!Number.isNaN(since)) el.textContent = formatElapsed(Date.now() - since);
    }
  }, 1000);

  document.addEventListener("htmx:responseError", (event) => {
    const flash = document.getElementById("flash");
    if (flash) flash.innerHTML = event.detail.xhr.responseText;
  });
  document.addEventListener("htmx:load", (event) => scan(event.target));
  document.addEventListener("DOMContentLoaded", () => scan(document));
  if (document.readyState !== "loading") scan(document);
})();
