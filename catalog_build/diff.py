"""A price-change review for operators: what an older catalog (a `catalog.json`, or a git ref whose
`generated/catalog.json` is read with `git show`) prices differently from the catalog built now.

Per model: added or removed models, and in models both have, every price that was added, removed or changed,
named by its place in the price set (`tokens.input`, `images[1024x1024/hd]`, `video[720p]`, `tiers[>200000].output`,
`searches`, …) and by the price set's `effective_from` (a scheduled change is a new set, so it shows as added).
Prices are compared as the exact decimal strings they are (`"2"` and `"2.0"` are the same price). The report is
text for people and JSON for tools (`--json`).
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

Prices = dict[str, str]
"""A price set flattened: `<place> (<unit>)` → USD decimal string."""


class DiffSourceError(ValueError):
    """The older catalog could not be read (neither a readable catalog.json nor a git ref that has one)."""


def load_old(reference: str, repository: Path) -> dict[str, Any]:
    """The older catalog: a path to a catalog.json, or a git ref of `repository` (its generated/catalog.json)."""
    path = Path(reference)
    if path.is_file():
        data = path.read_bytes()
    else:
        shown = subprocess.run(["git", "-C", str(repository), "show", f"{reference}:generated/catalog.json"],
                               capture_output=True, check=False)
        if shown.returncode != 0:
            why = shown.stderr.decode(errors="replace").strip().splitlines()
            raise DiffSourceError(f"{reference!r} is neither a catalog.json file nor a git ref with "
                                  f"generated/catalog.json ({why[-1] if why else 'git failed'})")
        data = shown.stdout
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DiffSourceError(f"{reference!r} is not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("models"), list):
        raise DiffSourceError(f"{reference!r} is not a compiled catalog (no `models` list)")
    return document


def _flat(price_set: dict[str, Any]) -> Prices:
    out: Prices = {}
    tokens = price_set.get("tokens") or {}
    unit = tokens.get("unit", "usd_per_1m_tokens")
    for key in ("input", "cached_input", "cache_write", "output", "reasoning"):
        if tokens.get(key) is not None:
            out[f"tokens.{key} ({unit})"] = tokens[key]
    for tier in price_set.get("tiers") or []:
        for key in ("input", "cached_input", "cache_write", "output", "reasoning"):
            if tier.get(key) is not None:
                out[f"tiers[>{tier['above_input_tokens']}].{key} ({unit})"] = tier[key]
    for group, params in (("images", ("size", "quality")), ("video", ("resolution",))):
        media = price_set.get(group) or {}
        for option in media.get("options", []):
            selector = "/".join(str(option.get(p)) for p in params if option.get(p) is not None) or "default"
            out[f"{group}[{selector}] ({media['unit']})"] = option["price"]
    for group in ("characters", "audio", "requests", "searches"):
        found = price_set.get(group)
        if found:
            out[f"{group} ({found['unit']})"] = found["price"]
    if price_set.get("free"):
        out["free"] = "0"
    return out


def _sets(model: dict[str, Any]) -> dict[str, Prices]:
    return {price_set.get("effective_from") or "initial": _flat(price_set) for price_set in model["prices"]}


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """{"added": [ids], "removed": [ids], "changed": {id: [{effective_from, price, old, new}]}} (old/new None for a
    price added/removed), ids sorted."""
    before = {model["id"]: model for model in old["models"]}
    after = {model["id"]: model for model in new["models"]}
    changed: dict[str, list[dict[str, Any]]] = {}
    for model_id in sorted(before.keys() & after.keys()):
        old_sets, new_sets = _sets(before[model_id]), _sets(after[model_id])
        changes = []
        for moment in sorted(old_sets.keys() | new_sets.keys()):
            was, now = old_sets.get(moment, {}), new_sets.get(moment, {})
            for place in sorted(was.keys() | now.keys()):
                a, b = was.get(place), now.get(place)
                if a is None or b is None or Decimal(a) != Decimal(b):
                    changes.append({"effective_from": moment, "price": place, "old": a, "new": b})
        if changes:
            changed[model_id] = changes
    return {"old_version": old.get("catalog_version"), "new_version": new.get("catalog_version"),
            "added": sorted(after.keys() - before.keys()), "removed": sorted(before.keys() - after.keys()),
            "changed": changed}


def as_text(report: dict[str, Any]) -> str:
    lines = [f"catalog {report['old_version']} → {report['new_version']}: {len(report['added'])} model(s) added, "
             f"{len(report['removed'])} removed, {len(report['changed'])} with price changes"]
    lines += [f"+ {model_id}" for model_id in report["added"]]
    lines += [f"- {model_id}" for model_id in report["removed"]]
    for model_id, changes in report["changed"].items():
        lines.append(f"~ {model_id}")
        for change in changes:
            when = "" if change["effective_from"] == "initial" else f" from {change['effective_from']}"
            if change["old"] is None:
                lines.append(f"    {change['price']}{when}: added, {change['new']} USD")
            elif change["new"] is None:
                lines.append(f"    {change['price']}{when}: removed (was {change['old']} USD)")
            else:
                lines.append(f"    {change['price']}{when}: {change['old']} → {change['new']} USD")
    return "\n".join(lines)


def as_json(report: dict[str, Any]) -> bytes:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
