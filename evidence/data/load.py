"""Load the evidence data package (data/datapackage.json) into typed pandas tables.

The descriptor is the single description of the tables: this module reads column types from
it rather than repeating them. Empty cells mean "not reported" and load as missing values
(pd.NA), never as zero. Loading assumes valid data; `evidence.validate` is the check that says
what is wrong with invalid data, file by file and line by line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from .paths import data_dir, read_descriptor

PANDAS_TYPES = {"integer": "Int64", "number": "Float64"}


def resource_by_name(descriptor: dict) -> dict[str, dict]:
    return {res["name"]: res for res in descriptor["resources"]}


def read_table(data: Path, resource: dict) -> pd.DataFrame:
    """One CSV as described by its resource: text kept verbatim, empty cells as NA,
    integer and number columns typed."""
    frame = pd.read_csv(data / resource["path"], dtype=str, keep_default_na=False,
                        na_values=[], encoding="utf-8")
    frame = frame.replace("", pd.NA)
    for fld in resource["schema"]["fields"]:
        kind = PANDAS_TYPES.get(fld["type"])
        if kind and fld["name"] in frame:
            frame[fld["name"]] = pd.to_numeric(frame[fld["name"]]).astype(kind)
    return frame


@dataclass
class Evidence:
    """All tables of the data package, by resource name (`studies`, `trial-diseases`,
    `vocab-targets`, ...), plus the package descriptor."""

    descriptor: dict
    tables: dict[str, pd.DataFrame] = field(repr=False)
    root: Path | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def studies(self) -> pd.DataFrame:
        return self.tables["studies"]

    @property
    def outcomes(self) -> pd.DataFrame:
        return self.tables["outcomes"]

    @property
    def safety(self) -> pd.DataFrame:
        return self.tables["safety"]

    @property
    def trials(self) -> pd.DataFrame:
        return self.tables["trials"]

    @property
    def trial_diseases(self) -> pd.DataFrame:
        return self.tables["trial-diseases"]

    @property
    def oncology_comparators(self) -> pd.DataFrame:
        return self.tables["oncology-comparators"]

    @property
    def cutoff(self) -> str:
        """The evidence cut-off date: the one named place is the package descriptor."""
        return self.descriptor["evidence_cutoff"]

    def vocab(self, name: str) -> pd.DataFrame:
        return self.tables[f"vocab-{name.replace('_', '-')}"]

    def label(self, vocab_name: str, code) -> str:
        """Reader-facing label of a vocabulary code (the code itself if unknown or missing)."""
        labels = self._labels.get(vocab_name)
        if labels is None:
            table = self.vocab(vocab_name)
            labels = self._labels[vocab_name] = dict(zip(table["code"], table["label"]))
        return labels.get(code, code)

    @cached_property
    def _labels(self) -> dict[str, dict]:
        return {}


def load(root: Path | None = None) -> Evidence:
    data = data_dir(root)
    descriptor = read_descriptor(data)
    tables = {res["name"]: read_table(data, res) for res in descriptor["resources"]}
    return Evidence(descriptor=descriptor, tables=tables, root=data.parent)
