"""The YAML the LiteLLM importer writes: the layout of the hand-written files, byte-stable for the same input.

Prices are always quoted; other strings are plain when they cannot read as anything else, else JSON-quoted (a
JSON string is a YAML double-quoted scalar).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable
from datetime import date
from typing import Any, Final

from catalog_build.importers.litellm_source import LICENSE, PACKAGE, URL, VERSION

MODELS_SCHEMA: Final = "# yaml-language-server: $schema=../../../../generated/catalog_src.schema.json"
PROVIDERS_SCHEMA: Final = "# yaml-language-server: $schema=../../../generated/catalog_src.schema.json"
_PLAIN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/@+-]*")  # and not _NUMBERISH
_NUMBERISH: Final = re.compile(r"[-+]?(\.[0-9]|[0-9])[0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+")
_WORDS: Final = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"})
_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9.()/-]*( [A-Za-z0-9.()/-]+)*")
_URL: Final = re.compile(r"https?://[A-Za-z0-9._~:/?=&%+-]+")
PRICE_KEYS: Final = frozenset({"price", "input", "cached_input", "cache_write", "output", "reasoning"})
WIDTH: Final = 118


def scalar(value: Any, key: str = "") -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if key in PRICE_KEYS:
        return json.dumps(text)
    if _URL.fullmatch(text) or (key == "name" and _NAME.fullmatch(text) and text.lower() not in _WORDS):
        return text
    if _PLAIN.fullmatch(text) and not _NUMBERISH.fullmatch(text) and text.lower() not in _WORDS:
        return text
    return json.dumps(text)


def flow(mapping: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{key}: {scalar(value, key)}" for key, value in mapping.items()) + "}"


def comment(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH - len(indent) - 2, initial_indent=f"{indent}# ",
                         subsequent_indent=f"{indent}#   ", break_long_words=False, break_on_hyphens=False)


def comments(paragraphs: Iterable[str], indent: str = "") -> list[str]:
    return [line for paragraph in paragraphs for line in comment(paragraph, indent)]


def price_set_lines(price_set: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name, value in price_set.items():
        lead = "      - " if not lines else "        "
        if name in ("images", "video"):
            lines += [f"{lead}{name}:", f"          unit: {value['unit']}", "          options:"]
            lines += [f"            - {flow(option)}" for option in value["options"]]
        else:
            lines.append(f"{lead}{name}: {flow(value)}")
    return lines


def model_lines(model: dict[str, Any], notes: list[str]) -> list[str]:
    lines = comments(notes, "  ")
    first = True
    for key, value in model.items():
        lead = "  - " if first else "    "
        first = False
        if key == "prices":
            lines.append(f"{lead}prices:")
            for price_set in value:
                lines += price_set_lines(price_set)
        elif isinstance(value, list):
            lines.append(f"{lead}{key}: [{', '.join(scalar(item) for item in value)}]")
        else:
            lines.append(f"{lead}{key}: {scalar(value, key)}")
    return lines


def models_file(provider: str, header: list[str], models: list[tuple[dict[str, Any], list[str]]]) -> str:
    lines = [MODELS_SCHEMA, *comments(header), f"provider: {provider}", "origin:", f"  package: {PACKAGE}",
             f'  version: "{VERSION}"', f"  url: {URL}", f"  license: {LICENSE}", "models:"]
    for model, notes in models:
        lines += model_lines(model, notes)
    return "\n".join(lines) + "\n"


def providers_file(header: list[str], providers: list[tuple[dict[str, Any], str | None]]) -> str:
    lines = [PROVIDERS_SCHEMA, *comments(header), "providers:"]
    for provider, why in providers:
        if why:
            lines += comment(f"base_url: {why}", "  ")
        for index, (key, value) in enumerate(provider.items()):
            lines.append(f"{'  - ' if index == 0 else '    '}{key}: {scalar(value, key)}")
    return "\n".join(lines) + "\n"
