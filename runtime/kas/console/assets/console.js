// kas console: filter the agents table as you type, keep times relative, and
// follow /api/v1/events (Server-Sent Events): on each change the page fetches
// itself and swaps its [data-swap] parts (then fires "console:swapped" on
// document for a page's own script). A page with data-refresh also does so
// every that many seconds (at least 10) while visible, for what the stream
// does not cover (pods). Everything works without it.
"use strict";
(function () {
  function filterRows() {
    var input = document.getElementById("q");
    if (!input) return;
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = document.querySelectorAll("tr[data-search]");
    var shown = 0;
    rows.forEach(function (tr) {
      var hay = tr.getAttribute("data-search") || "";
      var ok = words.every(function (w) { return hay.indexOf(w) >= 0; });
      tr.hidden = !ok;
      if (ok) shown++;
    });
    var counts = document.getElementById("shown-count");
    if (counts) counts.textContent = String(shown);
  }

  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (isNaN(s)) return "-";
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h ago";
    return Math.floor(s / 86400) + " d ago";
  }
  function refreshTimes() {
    document.querySelectorAll("time[data-ago]").forEach(function (t) { t.textContent = ago(t.getAttribute("datetime")); });
  }

  var fetching = false, again = false, updated = Date.now();
  function reload() {
    if (fetching) { again = true; return; }
    fetching = true;
    fetch(location.href, { headers: { accept: "text/html" }, credentials: "same-origin" })
      .then(function (res) {
        if (res.status === 401) { location.reload(); return; }
        return res.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          document.querySelectorAll("[data-swap]").forEach(function (el) {
            var next = el.id && doc.getElementById(el.id);
            if (next) el.innerHTML = next.innerHTML;
          });
          filterRows();
          updated = Date.now();
          document.body.setAttribute("data-updated", String(updated));
          document.dispatchEvent(new Event("console:swapped"));
        });
      })
      .catch(function () {})
      .then(function () {
        fetching = false;
        if (again) { again = false; reload(); }
      });
  }

  function live() {
    var url = document.body.getAttribute("data-live");
    var state = document.getElementById("live-state");
    if (!url || !window.EventSource) return;
    var es = new EventSource(url);
    var hellos = 0;
    // A reconnect (kas ends each stream after a while, or restarted): what changed meanwhile was not told, so fetch.
    es.addEventListener("hello", function () { if (state) state.textContent = "live"; if (hellos++ > 0) reload(); });
    es.addEventListener("changed", reload);
    es.onerror = function () { if (state) state.textContent = "reconnecting…"; };
  }

  // One fetch at a time (reload), none while the tab is hidden, none sooner than 10 s after the last swap.
  function periodic() {
    var seconds = Number(document.body.getAttribute("data-refresh"));
    if (!seconds) return;
    var every = Math.max(10, seconds) * 1000;
    setInterval(function () {
      if (document.visibilityState !== "visible" || Date.now() - updated < every) return;
      updated = Date.now(); // a failed fetch waits as long as a swapped one
      reload();
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("q");
    if (input) input.addEventListener("input", filterRows);
    filterRows();
    setInterval(refreshTimes, 5000);
    live();
    periodic();
  });
})();
