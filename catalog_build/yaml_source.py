"""YAML → plain Python data, with the line and column of any value or mapping key on demand.

Numbers never pass through binary float: a scalar that looks like a number is kept as its source text (an
`int` when it is a plain integer, otherwise a `NumberText`), and the pydantic models decide what it may be.
Only `true`/`false` are booleans and only `null`/`~`/empty are null (YAML 1.2 core style, so `no` stays a
string). Duplicate keys are errors, not "last one wins"; anchors, aliases and merge keys are not supported.

Values are built straight from libyaml's event stream (PyYAML's node composer costs ~5x more). Locations
are only needed to report a problem, so a document re-reads itself with tracking the first time it is asked
for one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import yaml

from catalog_build.problems import Location, Problem

Path_ = tuple[str | int, ...]
Where = tuple[int, int]

_INT_RE: Final = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_NUMBER_RE: Final = re.compile(
    r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?"  # decimals, exponents, YAML 1.1 underscores
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS: Final = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_Parser: Final[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it
MAX_DEPTH: Final = 32  # the catalog nests a few levels; Python's recursion would give out near 1,000


class NumberText(str):
    """An unquoted YAML number that is not a plain integer, kept as the exact text the author wrote."""

    __slots__ = ()


class YamlError(Exception):
    def __init__(self, where: Where, message: str, path: Path_ = ()) -> None:
        super().__init__(message)
        self.where = where
        self.path = path
        self.message = message


def _where(event: Any) -> Where:
    return event.start_mark.line + 1, event.start_mark.column + 1


def _scalar(event: Any) -> Any:
    text: str = event.value
    if event.style:  # quoted or block scalar: always a string (plain is None, or "" from libyaml)
        return text
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT_RE.fullmatch(text):
        return int(text) if len(text) <= 40 else NumberText(text)  # no int of 4,300+ digits (CPython refuses)
    if _NUMBER_RE.fullmatch(text):
        return NumberText(text)
    return text


class _Builder:
    """Builds values from events; with `track`, also records where each value and key starts."""

    def __init__(self, next_event: Callable[[], Any], track: bool) -> None:
        self.next_event = next_event
        self.track = track
        self.depth = 0  # of the mapping or sequence being built: the builder recurses
        self.values: dict[Path_, Where] = {}
        self.keys: dict[Path_, Where] = {}

    def value(self, event: Any, path: Path_) -> Any:
        kind = type(event)
        if self.track:
            self.values[path] = _where(event)
        if kind is yaml.AliasEvent or getattr(event, "anchor", None):
            raise YamlError(_where(event), "YAML anchors and aliases are not supported in the catalog", path)
        if getattr(event, "tag", None):  # an explicit tag: !!str, !!python/object, !custom
            raise YamlError(_where(event), f"YAML tags ({event.tag}) are not supported in the catalog: a value is "
                            "read from its text alone", path)
        if kind is yaml.ScalarEvent:
            return _scalar(event)
        if self.depth >= MAX_DEPTH:
            raise YamlError(_where(event), f"nested more than {MAX_DEPTH} levels deep", path)
        self.depth += 1
        try:
            if kind is yaml.SequenceStartEvent:
                items: list[Any] = []
                while type(item := self.next_event()) is not yaml.SequenceEndEvent:
                    items.append(self.value(item, (*path, len(items)) if self.track else path))
                return items
            if kind is yaml.MappingStartEvent:
                return self.mapping(path)
        finally:
            self.depth -= 1
        raise YamlError(_where(event), f"unexpected YAML {kind.__name__}", path)  # pragma: no cover

    def mapping(self, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while type(key_event := self.next_event()) is not yaml.MappingEndEvent:
            if type(key_event) is not yaml.ScalarEvent or key_event.value == "<<":
                message = "mapping keys must be plain strings (no merge or complex keys)"
                raise YamlError(_where(key_event), message, path)
            key: str = key_event.value
            child = (*path, key) if self.track else path
            if key in result:
                first = self.keys.get(child, (0, 0))[0] if self.track else 0
                raise YamlError(_where(key_event), f"duplicate key {key!r} (first defined at line {first})",
                                (*path, key))
            if self.track:
                self.keys[child] = _where(key_event)
            result[key] = self.value(self.next_event(), child)
        return result


def _parse(text: str, track: bool) -> tuple[Any, _Builder]:
    parser = _Parser(text)
    builder = _Builder(parser.get_event, track)
    documents: list[Any] = []
    try:
        while (event := parser.get_event()) is not None:
            if type(event) is yaml.DocumentStartEvent:
                documents.append(builder.value(parser.get_event(), ()))
    except yaml.MarkedYAMLError as exc:
        mark: Any = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(where, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (NUL, other controls): at its offset
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlError((line, column), f"invalid YAML: {exc.reason}: U+{code:04X}") from None
    finally:
        parser.dispose()
    if len(documents) != 1:
        raise YamlError((1, 1), f"expected exactly one YAML document, found {len(documents)}")
    return documents[0], builder


class SourceDoc:
    """One parsed YAML file: its data, and the location of any value or mapping key on demand."""

    def __init__(self, file: str, text: str, data: Any) -> None:
        self.file = file
        self.text = text
        self.data = data

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]

    @cached_property
    def _tracked(self) -> _Builder:
        return _parse(self.text, track=True)[1]

    def locate(self, path: Path_, *, key: bool = False) -> Location:
        """The location of `path`, or of its nearest ancestor that exists in the file."""
        tracked = self._tracked
        probe = tuple(path)
        while True:
            found = (tracked.keys.get(probe) if key else None) or tracked.values.get(probe)
            if found is not None:
                return Location(self.file, *found)
            if not probe:
                return Location(self.file, 1, 1)
            probe = probe[:-1]


def load(path: Path, display: str) -> tuple[SourceDoc | None, list[Problem]]:
    """Parse one YAML file. Returns the document, or None with the problem that stopped it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(Location(display, 1, 1), (), f"cannot read file: {exc}")]
    try:
        data, _ = _parse(text, track=False)
    except YamlError as fast_error:
        try:  # parse again, tracking locations, to say where the problem is
            _parse(text, track=True)
        except YamlError as error:
            return None, [Problem(Location(display, *error.where), error.path, error.message)]
        raise AssertionError("the tracking parse disagrees with the fast one") from fast_error  # pragma: no cover
    return SourceDoc(display, text, data), []
