"""A problem found in the data: where it is (file, line, column) and what is wrong.

Every check reports through `Problems`, so the command line prints all problems at once,
sorted by file and line, one per line in the form editors and CI annotate:
`data/studies.csv:7: n_treated: "-2" is below the minimum 0`.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    file: str          # relative to the book root, with forward slashes
    line: int          # 1-based; 1 is the header row of a CSV
    column: str        # CSV column, BibTeX field, or "-" for the whole row/entry/file
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, file: str, line: int, column: str, message: str) -> None:
        self.items.append(Problem(file, line, column or "-", message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items))
