/**
 * /assets/workloads.js, served by kas (no CDN): shows each pod's "follow"
 * button (again after console.js swaps the tables: "console:swapped") and, on
 * click, streams the log with fetch into #follow (text nodes only, never
 * HTML), which the swaps leave alone; "stop" or another follow aborts the
 * fetch, which ends the log request on every side. Plain ES2017, no build step.
 */
export const WORKLOADS_JS = `"use strict";
(function () {
  var box = document.getElementById("follow");
  var out = document.getElementById("log");
  var title = document.getElementById("follow-title");
  var current = null;
  function stop() { if (current) { current.abort(); current = null; } }
  document.getElementById("follow-stop").addEventListener("click", stop);
  async function follow(url) {
    stop();
    var ctl = new AbortController();
    current = ctl;
    box.hidden = false;
    title.textContent = url.split("?")[0];
    out.textContent = "";
    try {
      var res = await fetch(url + "&follow=true", { signal: ctl.signal, credentials: "same-origin" });
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      if (!res.ok) out.append("HTTP " + res.status + ": ");
      for (;;) {
        var r = await reader.read();
        if (r.done) break;
        out.append(decoder.decode(r.value, { stream: true }));
        out.scrollTop = out.scrollHeight;
      }
      out.append("\\n[end of log]");
    } catch (e) {
      if (!ctl.signal.aborted) out.append("\\n[" + String(e) + "]");
    }
  }
  function showButtons() {
    document.querySelectorAll("button.follow").forEach(function (b) { b.hidden = false; });
  }
  document.addEventListener("click", function (e) {
    var b = e.target instanceof Element ? e.target.closest("button.follow") : null;
    if (b) follow(b.getAttribute("data-log"));
  });
  document.addEventListener("console:swapped", showButtons);
  showButtons();
})();
`;
