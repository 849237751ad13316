"""The data dictionary page, generated from data/datapackage.json (the one description of the
tables), so the documentation cannot drift from the schema the validator enforces."""
from __future__ import annotations

import pandas as pd

from ..data.load import Evidence
from . import html as h
from . import tables
from .views import view


def anchor(resource_name: str) -> str:
    return f"data-{resource_name}"


def _allowed(field: dict, foreign: dict[str, str]) -> str:
    """What a cell may hold beyond its type: vocabulary link, pattern, bounds."""
    parts = []
    if field["name"] in foreign:
        target = foreign[field["name"]]
        parts.append(f'a code from <a href="#{anchor(target)}">{h.text(target)}</a>'
                     if target.startswith("vocab-") else
                     f'a key of <a href="#{anchor(target)}">{h.text(target)}</a>')
    c = field.get("constraints", {})
    if "minimum" in c:
        parts.append(f"≥ {h.text(c['minimum'])}")
    if "maximum" in c:
        parts.append(f"≤ {h.text(c['maximum'])}")
    if "pattern" in c:
        parts.append(f"matches <code>{h.text(c['pattern'])}</code>")
    if "enum" in c:
        parts.append("one of " + ", ".join(f"<code>{h.text(v)}</code>" for v in c["enum"]))
    return "; ".join(parts)


def resource_table(resource: dict) -> h.Fragment:
    schema = resource["schema"]
    foreign = {}
    for fk in schema.get("foreignKeys", []):
        fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
        for name in fields:
            foreign[name] = fk["reference"]["resource"] or resource["name"]
    key = schema.get("primaryKey", [])
    key = [key] if isinstance(key, str) else list(key)
    frame = pd.DataFrame([{
        "name": f["name"], "type": f["type"],
        "required": "yes" if f.get("constraints", {}).get("required") or f["name"] in key else "",
        "key": "primary key" if f["name"] in key else "",
        "description": f.get("description", ""), "allowed": _allowed(f, foreign),
    } for f in schema["fields"]])
    cols = [
        tables.Column("Column", lambda r: f"<code>{h.text(r['name'])}</code>"),
        tables.Column("Type", lambda r: h.text(r["type"])),
        tables.Column("Required", lambda r: h.text(r["required"])),
        tables.Column("Meaning", lambda r: h.text(r["description"])
                      + (f" <em>({h.text(r['key'])})</em>" if r["key"] else "")),
        tables.Column("Allowed values", lambda r: r["allowed"]),
    ]
    caption = f"data/{resource['path']} — {resource.get('title', resource['name'])}"
    fragment = tables.render(frame, cols, f"dictionary-{resource['name']}", caption)
    described = h.text(resource.get("description", ""))
    return h.Fragment(f'<section id="{anchor(resource["name"])}" class="evidence-dictionary">'
                      f"<p>{described}</p>{fragment.html}</section>", fragment.plain)


def vocabulary_table(ev: Evidence, resource: dict) -> h.Fragment:
    frame = ev[resource["name"]]
    cols = [tables.Column(name,
                          (lambda n: lambda r: (f"<code>{h.text(r[n])}</code>" if n == "code"
                                                else h.text(r[n])))(name))
            for name in frame.columns]
    caption = f"data/{resource['path']} — {resource.get('title', resource['name'])}"
    fragment = tables.render(frame, cols, f"dictionary-{resource['name']}", caption)
    return h.Fragment(f'<section id="{anchor(resource["name"])}" class="evidence-dictionary">'
                      f"{fragment.html}</section>", fragment.plain)


def dictionary(ev: Evidence, group: str) -> h.Fragment:
    """All evidence tables (`group="tables"`) or all vocabularies (`group="vocabularies"`)."""
    if group not in ("tables", "vocabularies"):
        raise ValueError('group is "tables" or "vocabularies"')
    vocab = group == "vocabularies"
    parts = [vocabulary_table(ev, res) if vocab else resource_table(res)
             for res in ev.descriptor["resources"] if res["name"].startswith("vocab-") == vocab]
    return h.Fragment("\n".join(p.html for p in parts), "\n\n".join(p.plain for p in parts))


@view
def data_dictionary(page, group: str) -> h.Fragment:
    """The columns of every evidence table ("tables") or the codes of every vocabulary
    ("vocabularies"), from data/datapackage.json."""
    return dictionary(page.ev, group)
