"""A problem found in the catalog source, reported as `file:LINE:COL: field.path: message`."""

from __future__ import annotations

from typing import NamedTuple


class Location(NamedTuple):
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def field_path(path: tuple[str | int, ...]) -> str:
    """`("models", 3, "prices", 0, "input")` → `models[3].prices[0].input`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(file)"


class Problem(NamedTuple):
    where: Location
    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {field_path(self.path)}: {self.message}"


class CatalogInvalid(Exception):
    """The source has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.where.file, p.where.line, p.where.column, p.message))
        super().__init__(f"{len(self.problems)} problem(s) in the catalog source")
