"""YAML → plain Python data, keeping the line and column of every node.

Numbers never pass through binary float: a scalar that looks like a number is kept as its source text (an
`int` when it is a plain integer, otherwise a `NumberText`), and the pydantic models decide what it may be.
Only `true`/`false` are booleans and only `null`/`~`/empty are null (YAML 1.2 core style, so `no` stays a
string). Duplicate keys are errors, not "last one wins".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from catalog_build.problems import Location, Problem

Path_ = tuple[str | int, ...]

_INT_RE: Final = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_NUMBER_RE: Final = re.compile(
    r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?"  # decimals, exponents, YAML 1.1 underscores
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS: Final = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


class NumberText(str):
    """An unquoted YAML number that is not a plain integer, kept as the exact text the author wrote."""

    __slots__ = ()


@dataclass(frozen=True)
class SourceDoc:
    """One parsed YAML file: its data plus the location of every value (and of every mapping key)."""

    file: str
    data: Any
    values: dict[Path_, Location]
    keys: dict[Path_, Location]
    first_line: str

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """The location of `path`, or of its nearest ancestor that exists in the file."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Location(self.file, 1, 1))


class _Loader(yaml.SafeLoader):
    """SafeLoader that stops at the node graph: we build values ourselves."""


def _location(file: str, node: yaml.Node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: yaml.ScalarNode) -> Any:
    text: str = node.value
    if node.style is not None:  # quoted or block scalar: always a string
        return text
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT_RE.fullmatch(text):
        return int(text)
    if _NUMBER_RE.fullmatch(text):
        return NumberText(text)
    return text


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[Path_, Location] = {}
        self.keys: dict[Path_, Location] = {}
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.values[path] = _location(self.file, node)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    self._problem(key_node, path, "mapping keys must be plain strings (no merge keys or complex keys)")
                    continue
                key = str(key_node.value)
                child = (*path, key)
                if key in result:
                    first = self.keys[child]
                    self._problem(key_node, child, f"duplicate key {key!r} (first defined at line {first.line})")
                    continue
                self.keys[child] = _location(self.file, key_node)
                result[key] = self.build(value_node, child)
            return result
        self._problem(node, path, f"unsupported YAML node {type(node).__name__}")  # pragma: no cover
        return None

    def _problem(self, node: yaml.Node, path: Path_, message: str) -> None:
        self.problems.append(Problem(_location(self.file, node), path, message))


def load(path: Path, display: str) -> tuple[SourceDoc | None, list[Problem]]:
    """Parse one YAML file. Returns the document, or None with the problems that stopped it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(Location(display, 1, 1), (), f"cannot read file: {exc}")]
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display, 1, 1)
        return None, [Problem(where, (), f"invalid YAML: {exc.problem or exc.context}")]
    if len(nodes) != 1:
        return None, [Problem(Location(display, 1, 1), (), f"expected exactly one YAML document, found {len(nodes)}")]
    builder = _Builder(display)
    data = builder.build(nodes[0], ())
    first_line = text.split("\n", 1)[0]
    return SourceDoc(display, data, builder.values, builder.keys, first_line), builder.problems
