"""What the LiteLLM importer says in words: a price set in a line, whether two price sets agree, what changed.

Price sets are compared per base quantity (a token, an image, a second…) as exact fractions, so 0.006 per minute
and 0.0001 per second are the same price.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

import yaml

from catalog_build.source_models import PriceSet
from catalog_build.units import scale

TOKEN_KEYS: Final = ("input", "cached_input", "cache_write", "output", "reasoning")
SELECTORS: Final = ("size", "quality", "resolution")
MAX_OPTIONS: Final = 4

Priced = frozenset[tuple[str, tuple[str, ...], Fraction]]


def _data(price_set: dict[str, Any] | PriceSet) -> dict[str, Any]:
    if isinstance(price_set, PriceSet):
        return price_set.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return price_set


def canonical(price_set: dict[str, Any] | PriceSet) -> Priced:
    """(group, selector, USD per base quantity) for every price of the set (tiers and history left aside)."""
    out: set[tuple[str, tuple[str, ...], Fraction]] = set()
    for name, value in _data(price_set).items():
        if not isinstance(value, dict):
            continue
        per = scale(value.get("unit", "usd_per_1m_tokens")).per
        if name == "tokens":
            out.update(("tokens", (key,), Fraction(Decimal(value[key])) / per) for key in TOKEN_KEYS
                       if value.get(key) is not None)
        elif "options" in value:
            out.update((name, tuple(str(option[key]) for key in SELECTORS if option.get(key)),
                        Fraction(Decimal(option["price"])) / per) for option in value["options"])
        else:
            out.add((name, (), Fraction(Decimal(value["price"])) / per))
    return frozenset(out)


def same_prices(mine: dict[str, Any], theirs: PriceSet) -> bool:
    return canonical(mine) == canonical(theirs) and not theirs.tiers and not theirs.free


def describe(price_set: dict[str, Any] | PriceSet) -> str:
    """A price set in one line: `images 1024x1024 standard 0.04, … (6 options) per image`."""
    data = _data(price_set)
    if data.get("free"):
        return "free"
    parts: list[str] = []
    for name, value in data.items():
        if not isinstance(value, dict):
            continue
        unit = str(value.get("unit", "usd_per_1m_tokens")).removeprefix("usd_")
        if name == "tokens":
            parts.append("tokens " + ", ".join(f"{key} {value[key]}" for key in TOKEN_KEYS if value.get(key))
                         + f" {unit}")
        elif "options" in value:
            options = value["options"]
            shown = [" ".join([*(str(option[key]) for key in SELECTORS if option.get(key)), str(option["price"])])
                     for option in options[:MAX_OPTIONS]]
            more = f", … ({len(options)} options)" if len(options) > MAX_OPTIONS else ""
            parts.append(f"{name} {', '.join(shown)}{more} {unit}")
        else:
            parts.append(f"{name} {value['price']} {unit}")
    return "; ".join(parts) or "nothing"


def models_of(text: str | None, key: str = "models") -> dict[str, Any]:
    """The records of a models or providers file by id (plain YAML: only to compare two versions)."""
    if text is None:
        return {}
    data = yaml.safe_load(text) or {}
    return {str(item["id"]): item for item in data.get(key) or [] if isinstance(item, dict) and "id" in item}


def changes(old: dict[str, Any], new: dict[str, Any], what: str) -> list[str]:
    """ADDED / CHANGED (with the fields that differ) / DROPPED lines, sorted by id."""
    lines: list[str] = []
    for item_id in sorted(old.keys() | new.keys()):
        before, after = old.get(item_id), new.get(item_id)
        if before is None:
            lines.append(f"ADDED {what} {item_id}")
        elif after is None:
            lines.append(f"DROPPED {what} {item_id}")
        elif before != after:
            fields = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
            lines.append(f"CHANGED {what} {item_id}: {', '.join(fields)}")
    return lines
