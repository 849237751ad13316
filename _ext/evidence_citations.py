"""Citation labels and reference entries that read alike everywhere: "Chahin et al., 2025",
never "Chahin and others, 2025".

An author list that ends in `and others` in refs.bib (the list was not seen in full) reaches
sphinxcontrib-bibtex as two persons, the second named "others"; its author-year style then
joins them with " and ". This style treats a trailing "others" as what it means: the first
author followed by "et al.". The reference list's style (`plain_et_al`, pybtex's plain style
otherwise) lists the authors seen and ends a truncated list with "et al." in the same way.
Entries without any author carry their organisation as author in
refs.bib (the validator requires it), so no label falls back to a title.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from pybtex.plugin import register_plugin as register_pybtex_plugin
from pybtex.richtext import Tag, Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import FieldIsMissing, first_of, node, optional, sentence
from sphinxcontrib.bibtex.plugin import register_plugin
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join

STYLE = "author_year_et_al"
ENTRY_STYLE = "plain_et_al"


@node
def _names(children, data, role, sep, sep2, last_sep, other):
    """The persons of `role`, with a trailing "others" read as "et al."."""
    assert not children
    try:
        persons = data["entry"].persons[role]
    except KeyError:
        raise FieldIsMissing(role, data["entry"])
    person = data["style"].person
    truncated = bool(persons) and str(persons[-1]) == "others"
    shown = [person.style_plugin.format(p, person.abbreviate) for p in persons if str(p) != "others"]
    if truncated:
        first = join()[shown[:1]].format_data(data)
        return Text(first, other if other is not None else Text(" ", Tag("em", "et al.")))
    return join(sep=sep, sep2=sep2, last_sep=last_sep, other=other)[shown].format_data(data)


@dataclass
class EtAlPersonStyle(PersonStyle):
    def _kwargs(self, full: bool) -> dict:
        return dict(sep=self.sep, sep2=self.sep2, last_sep=self.last_sep,
                    other=None if full else self.other)

    def names(self, role: str, full: bool):
        return _names(role=role, **self._kwargs(full))

    def author_or_editor_or_title(self, full: bool):
        # the labels of every citation command; no title fallback: every entry has an author
        # (a person or an organisation), as the validator requires
        return first_of[optional[_names("author", **self._kwargs(full))],
                        optional[_names("editor", **self._kwargs(full))]]


@dataclass
class EtAlAuthorYearStyle(AuthorYearReferenceStyle):
    person: PersonStyle = field(default_factory=EtAlPersonStyle)


@node
def _entry_names(children, data, role, **kwargs):
    """The reference list's persons of `role`: "A, B, and C", or "A, B et al." when refs.bib
    ends the list with "others"."""
    assert not children
    try:
        persons = data["entry"].persons[role]
    except KeyError:
        raise FieldIsMissing(role, data["entry"])
    style = data["style"]
    shown = [style.format_name(p, style.abbreviate_names) for p in persons if str(p) != "others"]
    names = join(**kwargs)[shown].format_data(data)
    if persons and str(persons[-1]) == "others":
        return Text(names, " ", Tag("em", "et al."))
    return names


class EtAlPlainStyle(PlainStyle):
    """pybtex's plain style, with a truncated author list ending in "et al."."""

    def format_names(self, role, as_sentence=True):
        formatted = _entry_names(role, sep=", ", sep2=" and ", last_sep=", and ")
        return sentence[formatted] if as_sentence else formatted


def setup(app):
    register_plugin("sphinxcontrib.bibtex.style.referencing", STYLE, EtAlAuthorYearStyle)
    register_pybtex_plugin("pybtex.style.formatting", ENTRY_STYLE, EtAlPlainStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
