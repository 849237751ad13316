"""The What's new page: the differences between release snapshots (and the working data),
rendered as HTML. The numbers come from `snapshots.whats_new`; nothing here is typed."""
from __future__ import annotations

from pathlib import Path

from ..data.snapshots import Delta, RowChange, summary_lines, whats_new
from . import html as h

DETAIL_TABLES = {"studies": ("Clinical reports", "study_id"),
                 "trials": ("Registered trials", "registry_id")}
OPEN_LIMIT = 12  # longer lists start folded


def _label(change: RowChange) -> str:
    row = change.row
    if change.table == "studies":
        bits = [row.get("disease", ""), row.get("target", ""), row.get("product", "")]
        n = row.get("n_treated")
        return f"{change.key}: " + ", ".join(b for b in bits if b) + (f"; {n} treated" if n else "")
    return f"{change.key}: {row.get('title', '')}"


def _link(change: RowChange) -> str:
    url = change.row.get("source_url")
    return h.link(_label(change), url) if url else h.text(_label(change))


def _field_rows(change: RowChange) -> str:
    fixed = {e.get("field") for e in change.errata}
    cells = []
    for f in change.fields:
        mark = ' <span class="evidence-erratum">erratum</span>' if f.field in fixed else ""
        cells.append(f"<li><code>{h.text(f.field)}</code>: {h.text(f.old) or '<em>empty</em>'} → "
                     f"{h.text(f.new) or '<em>empty</em>'}{mark}</li>")
    return "<ul>" + "".join(cells) + "</ul>"


def _kind_block(title: str, changes: list[RowChange], with_fields: bool) -> str:
    if not changes:
        return ""
    items = "".join(f"<li>{_link(c)}{_field_rows(c) if with_fields else ''}</li>" for c in changes)
    body = f"<ul>{items}</ul>"
    summary = f"{title} ({len(changes)})"
    if len(changes) > OPEN_LIMIT:
        return f"<details><summary>{h.text(summary)}</summary>{body}</details>"
    return f"<p><strong>{h.text(summary)}</strong></p>{body}"


def render_delta(delta: Delta) -> str:
    parts = [f'<section class="evidence-release" id="{delta.anchor}">',
             f"<h2>{h.text(delta.title)}</h2>",
             f"<p>Evidence up to {h.text(delta.cutoff)}"
             + (f"; compared with release {h.text(delta.previous)}." if delta.previous
                else "; the first release: everything is new.") + "</p>",
             "<ul>" + "".join(f"<li>{h.text(line[2:])}</li>" for line in summary_lines(delta)) + "</ul>"]
    if delta.errata:
        parts.append("<h3>Errata</h3><ul>" + "".join(
            f"<li><strong>{h.text(e.get('erratum_id'))}</strong> ({h.text(e.get('corrected_on'))}): "
            f"{h.text(e.get('table'))} <code>{h.text(e.get('record_id'))}</code>, "
            f"<code>{h.text(e.get('field'))}</code>: {h.text(e.get('description'))} "
            f"{h.link('source', e.get('source_url'))}</li>" for e in delta.errata) + "</ul>")
    for table, (label, _key) in DETAIL_TABLES.items():
        blocks = [_kind_block("Added", delta.of(table, "added"), False),
                  _kind_block("Changed", delta.of(table, "changed"), True),
                  _kind_block("Removed", delta.of(table, "removed"), False),
                  _kind_block("Read again, unchanged apart from the date",
                              delta.of(table, "re-checked"), False)]
        if any(blocks):
            parts.append(f"<h3>{h.text(label)}</h3>" + "".join(blocks))
    parts.append("</section>")
    return "".join(parts)


def render(root: Path) -> h.Fragment:
    deltas = whats_new(root)
    html_text = "".join(render_delta(d) for d in deltas)
    plain = "\n".join(f"{d.title}: " + " ".join(summary_lines(d)) for d in deltas)
    return h.Fragment(f'<div class="evidence-whats-new">{html_text}</div>', plain)
