"""The demo provider's structured output: a deterministic, minimal instance of a JSON Schema (a tool's `parameters`,
a `json_schema` response format), checked with `jsonschema` before it is returned.

Minimal means: an object has its required properties (near the top its optional ones too, as a model filling in
a form would; and as many more as `minProperties` asks), an array `minItems` items (one when it allows that many,
so a list is never empty without reason), a string "demo" (or the value its `format` names, cut or padded to its
length bounds), a number 0 moved into its bounds, `enum` its first value, `const` its value, `anyOf`/`oneOf` the
first option that validates. `$ref`s are resolved inside the schema.
A schema this cannot satisfy (a `pattern` "demo" does not match, `not`, a contradiction) raises Unsatisfiable:
the demo refuses the request (400) rather than return what does not validate.
"""

from __future__ import annotations

import importlib
import math
import re
import warnings
from typing import Any, Final

import jsonschema
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

MAX_DEPTH: Final = 24
OPTIONAL_DEPTH: Final = 4  # optional properties are filled in above this depth (a recursive model ends)
MAX_ITEMS: Final = 64  # minItems / minProperties beyond this are refused: the demo answers small
FORMATS: Final = {"date-time": "2025-01-01T00:00:00Z", "date": "2025-01-01", "time": "00:00:00Z",
                  "email": "demo@example.com", "idn-email": "demo@example.com", "uri": "https://example.com/",
                  "url": "https://example.com/", "iri": "https://example.com/", "uri-reference": "https://example.com/",
                  "uuid": "00000000-0000-4000-8000-000000000000", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1",
                  "hostname": "example.com", "idn-hostname": "example.com", "duration": "P1D"}
_PARSER: Any = importlib.import_module("re._parser")  # the stdlib's own regex parser (sre_parse is deprecated)
CLASSES: Final = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
                  "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}
TYPES: Final = ("object", "array", "string", "integer", "number", "boolean", "null")


class Unsatisfiable(ValueError):
    """The demo cannot produce an instance of this schema (or the schema is not one)."""


def instance(schema: Any) -> Any:
    """A deterministic minimal instance of `schema`, validated against it."""
    if not isinstance(schema, (dict, bool)):
        raise Unsatisfiable("a JSON Schema is an object")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a request's odd regex (a "possible nested set") is the request's concern
        try:
            validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            validator_class.check_schema(schema)  # type: ignore[arg-type]  # a boolean is a schema too
            validator = validator_class(schema)
            value = _Maker(schema, validator).make(schema, 0)
            errors = list(validator.iter_errors(value))
        except (SchemaError, Unresolvable, RecursionError, re.error, TypeError, OverflowError) as exc:
            raise Unsatisfiable(f"the schema cannot be used: {str(exc).splitlines()[0][:200]}") from None
    if errors:
        raise Unsatisfiable(f"the demo cannot satisfy the schema: {errors[0].message[:200]}")
    return value


class _Maker:
    def __init__(self, root: dict[str, Any] | bool, validator: Any) -> None:
        self.root = root
        self.validator = validator

    def resolve(self, schema: Any, depth: int) -> Any:
        """`schema` with its `$ref` (inside the root schema) followed, the reference's siblings kept."""
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            depth += 1
            if depth > MAX_DEPTH:
                raise Unsatisfiable("the schema's references go too deep")
            target = self.pointer(schema["$ref"])
            siblings = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **siblings} if isinstance(target, dict) and siblings else target
        return schema

    def pointer(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise Unsatisfiable(f"the demo resolves references inside the schema only, not {ref[:80]!r}")
        node: Any = self.root
        for escaped in ref[1:].lstrip("/").split("/") if ref[1:] else ():
            part = escaped.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise Unsatisfiable(f"unresolvable reference {ref[:80]!r}")
        return node

    def make(self, schema: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise Unsatisfiable("the schema nests too deep")
        schema = self.resolve(schema, depth)
        if schema is True or schema == {}:
            return "demo"
        if not isinstance(schema, dict):
            raise Unsatisfiable("a schema that nothing validates")
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        if isinstance(schema.get("allOf"), list) and schema["allOf"]:
            return self.make(self.merged(schema, depth), depth + 1)
        for keyword in ("anyOf", "oneOf"):
            if isinstance(schema.get(keyword), list) and schema[keyword]:
                return self.choose(schema, keyword, depth)
        kind = _kind(schema)
        if kind == "object":
            return self.obj(schema, depth)
        if kind == "array":
            return self.array(schema, depth)
        if kind in ("integer", "number"):
            return _number(schema, kind == "integer")
        if kind == "boolean":
            return False
        return None if kind == "null" else _string(schema)

    def merged(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """allOf's schemas as one: properties joined, required united, other keywords the later one's."""
        out = {k: v for k, v in schema.items() if k != "allOf"}
        for given in schema["allOf"]:
            part = self.resolve(given, depth)
            if not isinstance(part, dict):
                continue
            for key, value in part.items():
                if key == "properties" and isinstance(value, dict):
                    out["properties"] = {**(out.get("properties") or {}), **value}
                elif key == "required" and isinstance(value, list):
                    out["required"] = [*(out.get("required") or []), *value]
                else:
                    out.setdefault(key, value)
        return out

    def choose(self, schema: dict[str, Any], keyword: str, depth: int) -> Any:
        """The first option (a non-null one first) whose instance the whole schema accepts."""
        base = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
        options = sorted(schema[keyword], key=lambda option: self.resolve(option, depth) == {"type": "null"})
        check = self.validator.evolve(schema=schema)
        first: Any = None
        for index, option in enumerate(options):
            resolved = self.resolve(option, depth)
            candidate_schema = {**base, **resolved} if isinstance(resolved, dict) and base else resolved
            try:
                value = self.make(candidate_schema, depth + 1)
            except Unsatisfiable:
                continue
            if check.is_valid(value):
                return value
            first = value if index == 0 else first
        if first is None:
            raise Unsatisfiable(f"no option of `{keyword}` can be satisfied")
        return first

    def obj(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        """The required properties; near the top (as a model fills a form) the optional ones too, those that can be
        made; then made-up ones up to `minProperties`."""
        given = schema.get("properties")
        properties: dict[str, Any] = given if isinstance(given, dict) else {}
        listed = schema.get("required")
        required = list(dict.fromkeys(name for name in listed if isinstance(name, str))) \
            if isinstance(listed, list) else []
        wanted, most = _count(schema, "minProperties") or 0, _count(schema, "maxProperties")
        if wanted > MAX_ITEMS or len(required) > 4 * MAX_ITEMS or len(properties) > 4 * MAX_ITEMS:
            raise Unsatisfiable("the schema asks for too many properties")
        extra = schema.get("additionalProperties", True)
        value = {name: self.make(properties.get(name, extra), depth + 1) for name in required}
        optional = [name for name in properties if name not in value]
        for name in optional if depth < OPTIONAL_DEPTH else optional[:max(0, wanted - len(value))]:
            if most is not None and len(value) >= most:
                break
            try:
                value[name] = self.make(properties[name], depth + 1)
            except Unsatisfiable:
                continue  # it may be left out
        for index in range(len(value), wanted):
            value[f"demo{index}"] = self.make(extra, depth + 1)
        return value

    def array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        low, high = _count(schema, "minItems") or 0, _count(schema, "maxItems")
        count = max(low, 1) if high is None else min(max(low, 1), high)
        if count > MAX_ITEMS:
            raise Unsatisfiable("the schema asks for too many items")
        given = schema.get("prefixItems")
        prefix: list[Any] = given if isinstance(given, list) else []
        items = schema.get("items", True)
        if isinstance(items, list):  # draft 4-7 tuples
            prefix, items = items, schema.get("additionalItems", True)
        return [self.make(prefix[i] if i < len(prefix) else items, depth + 1) for i in range(count)]


def _count(schema: dict[str, Any], name: str) -> int | None:
    value = schema.get(name)
    return value if type(value) is int else None


def _kind(schema: dict[str, Any]) -> str:
    given = schema.get("type")
    kinds = [given] if isinstance(given, str) else [k for k in given if isinstance(k, str)] \
        if isinstance(given, list) else []
    kinds = [k for k in kinds if k in TYPES]
    if kinds:
        return next((k for k in kinds if k != "null"), kinds[0])
    if "properties" in schema or "required" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
        return "number"
    return "string"


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    """0 when the bounds allow it, else the allowed value nearest it (a multiple of `multipleOf`)."""
    def bound(name: str) -> float | None:
        value = schema.get(name)
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    low, high, above, below = (bound(name) for name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"))
    if schema.get("exclusiveMinimum") is True:  # draft 4: a flag on minimum
        above, low = low, None
    if schema.get("exclusiveMaximum") is True:
        below, high = high, None
    step = bound("multipleOf")
    unit = step if step is not None and step > 0 else 1.0 if integer else None

    def allowed(value: float) -> bool:
        return ((low is None or value >= low) and (high is None or value <= high) and (above is None or value > above)
                and (below is None or value < below) and (not integer or float(value).is_integer()))

    floor = max((b for b in (low, above) if b is not None), default=None)
    ceiling = min((b for b in (high, below) if b is not None), default=None)
    candidates: list[float] = [0.0]
    for edge, away in ((floor, 1), (ceiling, -1)):
        if edge is None or not math.isfinite(edge):
            continue
        if unit is None:
            candidates += [edge, edge + away]
        else:
            nearest = math.ceil(edge / unit) if away > 0 else math.floor(edge / unit)
            candidates += [nearest * unit, (nearest + away) * unit]
    if floor is not None and ceiling is not None and unit is None:
        candidates.append((floor + ceiling) / 2)
    value = next((v for v in candidates if allowed(v)), None)
    if value is None:
        raise Unsatisfiable("the demo cannot find a number within the schema's bounds")
    return int(value) if integer or value.is_integer() else value


def _string(schema: dict[str, Any]) -> str:
    form = schema.get("format")
    text = FORMATS.get(form, "demo") if isinstance(form, str) else "demo"
    low, high = _count(schema, "minLength") or 0, _count(schema, "maxLength")
    if low > 4096:
        raise Unsatisfiable("the schema asks for too long a string")
    if len(text) < low:
        text += "o" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[:max(high, 0)]
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and re.search(pattern, text) is None:
        matching = _matching(pattern)
        if matching is None or not low <= len(matching) <= (4096 if high is None else high):
            raise Unsatisfiable(f"the demo cannot write a string matching {pattern[:80]!r}")
        return matching
    return text


def _matching(pattern: str) -> str | None:
    """A short string the regular expression `pattern` matches (each repeat at its least, each branch its first,
    each class its first member), or None."""
    try:
        text = _emit(_PARSER.parse(pattern), {})
    except (re.error, _GiveUp, RecursionError, ValueError, OverflowError):
        return None
    return text if re.search(pattern, text) is not None else None


class _GiveUp(Exception):
    pass


def _emit(items: Any, groups: dict[int, str]) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("b" if arg == ord("a") else "a")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_member(arg))
        elif name == "CATEGORY":
            out.append(_category(str(arg)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, inner = arg
            if low > 4096:
                raise _GiveUp
            out.append(_emit(inner, groups) * low)
        elif name == "SUBPATTERN":
            group, _add, _drop, inner = arg
            out.append(text := _emit(inner, groups))
            if group is not None:
                groups[group] = text
        elif name == "ATOMIC_GROUP":
            out.append(_emit(arg, groups))
        elif name == "BRANCH":
            out.append(_emit(arg[1][0], groups))
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
        elif name not in ("AT", "ASSERT", "ASSERT_NOT"):  # anchors and lookarounds add nothing; re.search decides
            raise _GiveUp
    return "".join(out)


def _member(items: list[Any]) -> str:
    negated = bool(items) and str(items[0][0]) == "NEGATE"
    if negated:
        return next(c for c in "a0 _A-b" if not any(_in_class(c, op, arg) for op, arg in items[1:]))
    op, arg = items[0]
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "RANGE":
        return chr(arg[0])
    if name == "CATEGORY":
        return _category(str(arg))
    raise _GiveUp


def _in_class(char: str, op: Any, arg: Any) -> bool:
    name = str(op)
    if name == "LITERAL":
        return bool(ord(char) == arg)
    if name == "RANGE":
        return bool(arg[0] <= ord(char) <= arg[1])
    if name == "CATEGORY":
        return re.fullmatch(CLASSES.get(str(arg), "."), char) is not None
    return True  # what the demo does not read might match: the character is not chosen


def _category(name: str) -> str:
    kind = name.rsplit("_", 1)[-1]
    negated = "_NOT_" in name
    return {"DIGIT": "a" if negated else "0", "SPACE": "a" if negated else " ", "WORD": " " if negated else "a"}.get(
        kind, "a")
