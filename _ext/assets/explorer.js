/* Evidence explorer: search, filter and sort the evidence tables written into the page.
   Works offline on the rows already in the HTML; without JavaScript the full tables show.
   Every control is a native form element or button, so the explorer works by keyboard. */
(function () {
  "use strict";

  function words(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .split(/\s+/).filter(Boolean);
  }

  function setUp(root) {
    var form = root.querySelector("form.explorer-controls");
    var table = root.querySelector("table.explorer-table");
    var tbody = table.tBodies[0];
    var count = root.querySelector(".explorer-count");
    var noun = root.dataset.noun || "rows";
    var rows = Array.prototype.slice.call(tbody.rows).filter(function (r) { return r.id; });
    var search = form.querySelector("[data-explorer-search]");
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-explorer-filter]"));
    rows.forEach(function (row) {
      row._filters = JSON.parse(row.dataset.filters || "{}");
      row._text = words(row.textContent).join(" ");
    });

    function apply() {
      var needles = words(search.value);
      var wanted = selects.map(function (s) { return [s.dataset.explorerFilter, s.value]; })
        .filter(function (f) { return f[1]; });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = needles.every(function (w) { return row._text.indexOf(w) !== -1; }) &&
          wanted.every(function (f) { return (row._filters[f[0]] || []).indexOf(f[1]) !== -1; });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown === rows.length ? rows.length + " " + noun
        : shown + " of " + rows.length + " " + noun + " shown";
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.addEventListener("reset", function () { setTimeout(apply, 0); });

    // sorting: each column header becomes a button; aria-sort tells screen readers the order
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, index) {
      var label = th.querySelector(".explorer-header");
      if (!label || th.textContent.trim() === "Correction") { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "explorer-sort";
      button.textContent = label.textContent;
      label.replaceWith(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.dataset.type === "number";
        var key = function (row) {
          var cell = row.cells[index];
          var raw = cell.hasAttribute("data-sort") ? cell.dataset.sort : cell.textContent.trim();
          if (numeric) { return raw === "" ? null : parseFloat(raw); }
          return raw === "" ? null : raw.toLowerCase();
        };
        var sorted = rows.slice().sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === y) { return 0; }
          if (x === null) { return 1; }   // empty ("not reported") cells always last
          if (y === null) { return -1; }
          var order = numeric ? x - y : x.localeCompare(y);
          return ascending ? order : -order;
        });
        sorted.forEach(function (row) { tbody.appendChild(row); });
      });
    });

    form.hidden = false;
    apply();
    return { rows: rows, form: form, apply: apply };
  }

  function reveal(explorers) {
    // a link to #study-<id> or #trial-<id> must land on a visible row
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) { return; }
    explorers.forEach(function (ex) {
      var row = ex.rows.filter(function (r) { return r.id === id; })[0];
      if (row && row.hidden) {
        ex.form.reset();
        ex.apply();
      }
      if (row) { row.scrollIntoView({ block: "center" }); }
    });
  }

  function start() {
    var explorers = Array.prototype.slice.call(document.querySelectorAll("div.evidence-explorer"))
      .map(setUp);
    reveal(explorers);
    window.addEventListener("hashchange", function () { reveal(explorers); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
