/* Draw every evidence chart on the page with the vendored vega-embed.
   The spec sits beside each chart div as <script type="application/json" id="<chart id>-spec">. */
(function () {
  "use strict";
  function draw() {
    var dark = document.documentElement.dataset.theme === "dark";
    document.querySelectorAll("div.evidence-chart").forEach(function (el) {
      var source = document.getElementById(el.id + "-spec");
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      vegaEmbed(el, spec, { actions: false, renderer: "svg", theme: dark ? "dark" : undefined })
        .catch(function (err) {
          el.classList.add("evidence-chart-error");
          el.textContent = "This chart could not be drawn: " + err;
          console.error(err);
        });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
