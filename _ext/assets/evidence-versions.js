// Version switcher. The site's versions.json (written by `python -m evidence assemble` on
// deploy; a local build lists only itself) names every published version; when there is more
// than one, the banner gets a menu that opens the same page in another version.
(function () {
  "use strict";
  const slot = document.querySelector(".evidence-versions");
  if (!slot || !window.fetch) return;
  const buildRoot = new URL(document.documentElement.dataset.content_root || "./", location.href);
  fetch(new URL("versions.json", buildRoot)).then((r) => (r.ok ? r.json() : null)).then((data) => {
    if (!data || !Array.isArray(data.versions) || data.versions.length < 2) return;
    const page = location.href.split("#")[0].split("?")[0].slice(buildRoot.href.length) || "index.html";
    const siteRoot = new URL(data.site_root || "./", buildRoot);
    const select = document.createElement("select");
    select.id = "evidence-version-select";
    for (const entry of data.versions) {
      const option = document.createElement("option");
      option.value = new URL(entry.path + page, siteRoot).href;
      option.textContent = entry.label || entry.version;
      option.selected = entry.version === data.current;
      select.appendChild(option);
    }
    select.addEventListener("change", () => { location.href = select.value; });
    const label = document.createElement("label");
    label.htmlFor = select.id;
    label.textContent = "Other versions: ";
    slot.append(" · ", label, select);
    slot.hidden = false;
  }).catch(() => { /* no versions.json (e.g. opened from disk): the banner names this version */ });
})();
