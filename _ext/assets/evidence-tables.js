/* Long evidence tables (<table class="evidence-table" data-page-size="N">): a filter box and
   pages of N rows. Every row stays in the HTML; without JavaScript the whole table shows. */
(function () {
  "use strict";
  function button(text, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.className = "evidence-table-page";
    return b;
  }
  function enhance(table) {
    var size = parseInt(table.getAttribute("data-page-size"), 10) || 25;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    var tools = document.createElement("div");
    tools.className = "evidence-table-tools";
    var label = document.createElement("label");
    label.textContent = "Filter rows ";
    var input = document.createElement("input");
    input.type = "search";
    input.setAttribute("aria-controls", table.id);
    label.appendChild(input);
    var prev = button("\u2039 Previous", "Previous rows");
    var next = button("Next \u203a", "Next rows");
    var status = document.createElement("span");
    status.className = "evidence-table-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    tools.appendChild(label);
    tools.appendChild(prev);
    tools.appendChild(next);
    tools.appendChild(status);
    var wrapper = table.parentNode;
    wrapper.parentNode.insertBefore(tools, wrapper);
    var matches = rows.map(function (_r, i) { return i; });
    var page = 0;
    function show() {
      var start = page * size;
      var shown = {};
      matches.slice(start, start + size).forEach(function (i) { shown[i] = true; });
      rows.forEach(function (r, i) { r.hidden = !shown[i]; });
      var end = Math.min(start + size, matches.length);
      status.textContent = matches.length
        ? "Rows " + (start + 1) + "\u2013" + end + " of " + matches.length
          + (matches.length < rows.length ? " (filtered from " + rows.length + ")" : "")
        : "No matching rows (of " + rows.length + ")";
      prev.disabled = page === 0;
      next.disabled = end >= matches.length;
    }
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      matches = [];
      texts.forEach(function (t, i) { if (!q || t.indexOf(q) >= 0) { matches.push(i); } });
      page = 0;
      show();
    });
    prev.addEventListener("click", function () { if (page > 0) { page -= 1; show(); } });
    next.addEventListener("click", function () {
      if ((page + 1) * size < matches.length) { page += 1; show(); }
    });
    show();
  }
  function init() {
    document.querySelectorAll("table.evidence-table[data-page-size]").forEach(enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
