/* Interactive charts, on demand. Every chart is already in the page as an SVG drawn at build
   time, so it reads without JavaScript. The interactive view (tooltips) is an enhancement: the
   vendored vega, vega-lite and vega-embed (in this script's folder, never a CDN) load only when
   a reader moves the pointer onto a chart, touches it, or presses its "Interactive chart"
   button; the spec beside the chart (<script type="application/json" id="<chart id>-spec">)
   is then drawn live in place of the SVG.
   Charts of the previous design (data-draw="on-load": the reader benchmark's comparison build
   only) are drawn at once with the libraries the page loaded. */
(function () {
  "use strict";
  var here = document.currentScript ? document.currentScript.src.replace(/[^/]*$/, "") : "";
  var LIBRARIES = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];
  var loading = null;

  function load(name) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = here + name;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + name)); };
      document.head.appendChild(script);
    });
  }

  function libraries() {  // once per page, in order (vega-lite needs vega, vega-embed both)
    if (window.vegaEmbed) { return Promise.resolve(); }
    if (!loading) {
      loading = LIBRARIES.reduce(function (done, name) {
        return done.then(function () { return load(name); });
      }, Promise.resolve());
    }
    return loading;
  }

  function spec(el) {
    var source = document.getElementById(el.id + "-spec");
    return source ? JSON.parse(source.textContent) : null;
  }

  function button(el) {
    return document.querySelector('button.evidence-chart-live[data-chart="' + el.id + '"]');
  }

  function failed(el, err) {
    el.classList.add("evidence-chart-error");
    console.error("evidence chart " + el.id + ": " + err);
  }

  // The build-time SVG stays until the live chart is drawn, and comes back if it cannot be.
  function live(el) {
    if (el._evidenceLive) { return el._evidenceLive; }
    el.setAttribute("aria-busy", "true");
    el._evidenceLive = libraries().then(function () {
      var drawn = el.querySelector("svg");
      var height = el.getBoundingClientRect().height;
      el.style.minHeight = height + "px";  // no jump while vega draws
      var target = document.createElement("div");
      el.appendChild(target);
      if (drawn) { drawn.style.display = "none"; }
      return vegaEmbed(target, spec(el), { actions: false, renderer: "svg" }).then(function () {
        if (drawn) { drawn.remove(); }
        el.dataset.state = "live";
        var control = button(el);
        if (control) { control.hidden = true; }
      }, function (err) {
        target.remove();
        if (drawn) { drawn.style.display = ""; }
        throw err;
      });
    }).catch(function (err) {
      failed(el, err);
    }).then(function () {
      el.style.minHeight = "";
      el.removeAttribute("aria-busy");
    });
    return el._evidenceLive;
  }

  function drawNow(el) {  // the previous design: an empty div, drawn on every view
    var dark = document.documentElement.dataset.theme === "dark";
    vegaEmbed(el, spec(el), { actions: false, renderer: "svg", theme: dark ? "dark" : undefined })
      .catch(function (err) {
        el.textContent = "This chart could not be drawn: " + err;
        failed(el, err);
      });
  }

  function start() {
    document.querySelectorAll("div.evidence-chart").forEach(function (el) {
      if (el.dataset.draw === "on-load") { drawNow(el); return; }
      el.addEventListener("pointerenter", function () { live(el); }, { once: true });
      el.addEventListener("pointerdown", function () { live(el); }, { once: true });
      var control = button(el);
      if (!control) { return; }
      control.hidden = false;
      control.addEventListener("click", function () {
        live(el).then(function () {
          if (el.dataset.state === "live") { el.tabIndex = -1; el.focus(); }
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
