#!/usr/bin/env python3
"""Bootstrap `catalog_src/models/<provider>.yaml` from the price data shipped in genai-prices 0.2.3.

The YAML files are the edited source of the catalog; this script only prints a starting point that a human
reviews, curates and commits. It never writes into catalog_src/.

    python scripts/import_genai_prices.py --provider openai                       # every importable model
    python scripts/import_genai_prices.py --provider xai --models grok-4.3,grok-code-fast-1
    python scripts/import_genai_prices.py --provider together --id-prefix together/ --models openai/gpt-oss-120b
    python scripts/import_genai_prices.py --provider openai --list                # what the package holds

Mapping (genai-prices price key -> catalog field):
    input_mtok -> tokens.input              cache_read_mtok -> tokens.cached_input
    cache_write_mtok -> tokens.cache_write  output_mtok -> tokens.output
    output_reasoning_mtok -> tokens.reasoning
    requests_kcount -> requests (usd_per_1k_requests)
    input_mchars -> characters (usd_per_1m_characters)
    audio_hours / input_audio_hours -> audio (usd_per_3600_seconds)
    TieredPrices -> cliff `tiers`; ConditionalPrice + StartDateConstraint -> price history (`effective_from`)

Dropped with a comment: cache_write_1h_mtok (the 5-minute `cache_write` price is kept), web_searches_kcount and
storage_searches_kcount (tool fees the catalog does not model), price_variants (batch/flex/priority tiers) and
time-of-day prices (the unconstrained price is used). Skipped and reported on stderr: models whose prices use
any other key (audio/image/video tokens, pages, messages…), models without prices, and models the catalog's
operations cannot price (speech or image generation priced per token, chat models without an output price).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any, Final

from genai_prices import data
from genai_prices.types import (
    ClauseEquals,
    ClauseOr,
    ConditionalPrice,
    ModelInfo,
    ModelPrice,
    Provider,
    StartDateConstraint,
    TieredPrices,
    TimeOfDateConstraint,
)

PACKAGE: Final = "genai-prices 0.2.3"
PACKAGE_URL: Final = "https://github.com/pydantic/genai-prices"
# The wheel is a reproducible build (every file dated 2020-02-02), so its dates say nothing. The newest dated
# observation in the data is "Launched on Bedrock 2026-11-04" (later dates are announced future changes).
DATA_AS_OF: Final = date(2026, 11, 4)
AS_OF_NOTE: Final = ("as_of 2026-11-04: the newest observation date in the genai-prices 0.2.3 data (the wheel is a "
                     "reproducible build whose file dates are all 2020-02-02, so they cannot date it)")

# Our provider id -> genai-prices provider id, where they differ.
THEIR_IDS: Final = {"xai": "x-ai", "moonshot": "moonshotai", "voyage": "voyageai"}

TOKEN_KEYS: Final = {
    "input_mtok": "input",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
    "output_mtok": "output",
    "output_reasoning_mtok": "reasoning",
}
TOKEN_ORDER: Final = ("input", "cached_input", "cache_write", "output", "reasoning")
AUDIO_KEYS: Final = ("audio_hours", "input_audio_hours")
OTHER_KEYS: Final = ("requests_kcount", "input_mchars", *AUDIO_KEYS)
DROPPED_KEYS: Final = ("cache_write_1h_mtok",)
TOOL_FEES: Final = {
    "web_searches_kcount": "web search calls",
    "storage_searches_kcount": "file/vector-store search calls",
}
SUPPORTED: Final = frozenset({*TOKEN_KEYS, *OTHER_KEYS, *DROPPED_KEYS, *TOOL_FEES})

MAX_DECIMAL_PLACES: Final = 12
MODEL_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]*")
BARE: Final = re.compile(r"[A-Za-z]([A-Za-z0-9 ._/@+()-]*[A-Za-z0-9.)])?")
YAML_WORDS: Final = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


class Skip(Exception):
    """The model cannot be expressed in the catalog format; the message says why."""


@dataclass
class PriceSet:
    effective_from: date | None
    tokens: dict[str, str] = field(default_factory=dict)
    tiers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: str | None = None
    characters: str | None = None
    audio: str | None = None

    def same_prices(self, other: PriceSet) -> bool:
        return (self.tokens, self.tiers, self.requests, self.characters, self.audio) == (
            other.tokens, other.tiers, other.requests, other.characters, other.audio)


@dataclass
class Entry:
    model: ModelInfo
    id: str
    upstream_id: str | None
    aliases: list[str]
    modality: str
    operation: str
    price_sets: list[PriceSet]
    notes: list[str]
    tool_fees: dict[str, set[str]]


# -- prices ----------------------------------------------------------------------------------------------------


def price_text(value: Decimal, where: str, notes: list[str]) -> str:
    """A plain decimal string; values with float artifacts are rounded only when the intent is unambiguous."""
    if not value.is_finite() or value < 0:
        raise Skip(f"{where}: {value} is not a finite non-negative price")
    text = _plain(value)
    if len(text.partition(".")[2]) <= MAX_DECIMAL_PLACES:
        return text
    for places in range(MAX_DECIMAL_PLACES - 1):
        rounded = round(value, places)
        if abs(rounded - value) < Decimal("1e-12"):
            fixed = _plain(rounded)
            notes.append(f"{where}: {value} (a float artifact) rounded to {fixed}")
            return fixed
    raise Skip(f"{where}: {value} has more than {MAX_DECIMAL_PLACES} decimal places and no obvious intended value")


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _at(value: Decimal | TieredPrices, threshold: int) -> Decimal:
    """The cliff price of `value` once the prompt has more than `threshold` input tokens."""
    if isinstance(value, TieredPrices):
        price = Decimal(value.base)  # typed Any where genai-prices (a bench-only extra) is not installed
        for tier in value.tiers:
            if tier.start <= threshold:
                price = Decimal(tier.price)
        return price
    return value


def convert_prices(prices: ModelPrice, effective_from: date | None, notes: list[str],
                   tool_fees: dict[str, set[str]]) -> PriceSet:
    values: dict[str, Decimal | TieredPrices] = {
        key: value for key, value in vars(prices).items() if not key.startswith("_") and value is not None
    }
    unknown = sorted(set(values) - SUPPORTED)
    if unknown:
        raise Skip(f"price keys the catalog cannot express: {', '.join(unknown)}")
    for key, label in TOOL_FEES.items():
        if key in values:
            tool_fees.setdefault(label, set()).add(_plain(_at(values.pop(key), 0)))
    for key in DROPPED_KEYS:
        if key in values:
            dropped = values.pop(key)
            shown = _plain(dropped.base) + " (+tiers)" if isinstance(dropped, TieredPrices) else _plain(dropped)
            note = (f"cache_write is the 5-minute cache write price; the 1-hour cache write price "
                    f"({key}: {shown}) is not modelled")
            if note not in notes:
                notes.append(note)
    when = f" from {effective_from}" if effective_from else ""
    result = PriceSet(effective_from)
    for key in OTHER_KEYS:
        if isinstance(values.get(key), TieredPrices):
            raise Skip(f"{key} has token tiers, which only token prices can have")
    audio = {key: values.pop(key) for key in AUDIO_KEYS if key in values}
    if audio:
        distinct = set(audio.values())
        if len(distinct) > 1:
            raise Skip(f"audio_hours and input_audio_hours differ ({', '.join(map(str, audio.values()))})")
        value = distinct.pop()
        assert isinstance(value, Decimal)
        result.audio = price_text(value, f"audio{when}", notes)
    if "requests_kcount" in values:
        value = values.pop("requests_kcount")
        assert isinstance(value, Decimal)
        result.requests = price_text(value, f"requests{when}", notes)
    if "input_mchars" in values:
        value = values.pop("input_mchars")
        assert isinstance(value, Decimal)
        result.characters = price_text(value, f"characters{when}", notes)
    tokens = {TOKEN_KEYS[key]: value for key, value in values.items()}
    starts = sorted({tier.start for value in tokens.values() if isinstance(value, TieredPrices)
                     for tier in value.tiers})
    if starts and starts[0] <= 0:
        raise Skip(f"a token tier starts at {starts[0]}; tiers must start above 0 input tokens")
    for name in TOKEN_ORDER:
        if name in tokens:
            result.tokens[name] = price_text(_at(tokens[name], 0) if starts else _base(tokens[name]),
                                             f"tokens.{name}{when}", notes)
    for start in starts:
        tier: dict[str, str] = {name: price_text(_at(tokens[name], start), f"tiers[>{start}].{name}{when}", notes)
                for name in TOKEN_ORDER if name in tokens}
        result.tiers.append((start, tier))
    return result


def _base(value: Decimal | TieredPrices) -> Decimal:
    return value.base if isinstance(value, TieredPrices) else value


def price_history(model: ModelInfo, notes: list[str], tool_fees: dict[str, set[str]]) -> list[PriceSet]:
    conditionals = model.prices if isinstance(model.prices, list) else [ConditionalPrice(prices=model.prices)]
    kept: list[tuple[date | None, ModelPrice]] = []
    by_time: dict[str, list[str]] = {}  # price summary -> the daily windows it applies in
    for conditional in conditionals:
        constraint = conditional.constraint
        if isinstance(constraint, TimeOfDateConstraint):
            window = f"{constraint.start_time:%H:%M}-{constraint.end_time:%H:%M}"
            by_time.setdefault(_summary(conditional.prices), []).append(window)
            continue
        if isinstance(constraint, StartDateConstraint):
            kept.append((constraint.start_date, conditional.prices))
        elif constraint is None:
            kept.append((None, conditional.prices))
        else:
            raise Skip(f"unknown price constraint {type(constraint).__name__}")
    for summary, windows in by_time.items():
        notes.append(f"time-of-day price not modelled: {' and '.join(windows)} UTC costs {summary}; the unconstrained "
                     "price below applies at every hour")
    if not kept:
        raise Skip("only time-of-day prices")
    if sum(1 for start, _ in kept if start is None) > 1:
        raise Skip("several unconstrained price sets")
    kept.sort(key=lambda item: item[0] or date.min)
    if any(later is not None and earlier is not None and later <= earlier
           for (earlier, _), (later, _) in pairwise(kept)):
        raise Skip("two price sets start on the same date")
    sets: list[PriceSet] = []
    for start, prices in kept:
        if not [value for key, value in vars(prices).items() if not key.startswith("_") and value is not None]:
            raise Skip("empty prices (ModelPrice() — e.g. included in a subscription or free)")
        converted = convert_prices(prices, start, notes, tool_fees)
        if sets and converted.same_prices(sets[-1]):
            notes.append(f"the price set from {start} changes only fees the catalog does not model; merged")
            continue
        sets.append(converted)
    return sets


def _summary(prices: ModelPrice) -> str:
    parts = []
    for key, value in vars(prices).items():
        if key.startswith("_") or value is None:
            continue
        shown = _plain(value.base) + "+tiers" if isinstance(value, TieredPrices) else _plain(value)
        parts.append(f"{key}={shown}")
    return " ".join(parts)


# -- models ----------------------------------------------------------------------------------------------------


def exact_ids(clause: Any) -> Iterator[str]:
    """The ids a match clause accepts exactly: ClauseEquals, directly or under ClauseOr (not under ClauseAnd)."""
    if isinstance(clause, ClauseEquals):
        yield clause.equals
    elif isinstance(clause, ClauseOr):
        for inner in clause.or_:
            yield from exact_ids(inner)


def classify(model: ModelInfo, sets: Sequence[PriceSet], forced: str | None) -> tuple[str, str]:
    """(modality, operation) of a model, from its prices and, where prices cannot tell, from its id."""
    name = model.id.lower()
    kinds = {kind for s in sets for kind, present in (("characters", s.characters), ("audio", s.audio),
                                                      ("tokens", s.tokens), ("requests", s.requests)) if present}
    if kinds == {"characters"}:
        return "audio", "speech"
    if kinds == {"audio"}:
        return "audio", "transcription"
    if kinds & {"characters", "audio"}:
        raise Skip(f"mixes per-character or per-audio-hour prices with other price kinds ({', '.join(sorted(kinds))})")
    if forced == "embedding" or (forced is None and "embed" in name):
        if not all("input" in s.tokens for s in sets):
            raise Skip("an embedding model needs an input token price")
        return "embedding", "embeddings"
    if "tts" in name:
        raise Skip("speech model priced per token: the catalog prices speech per character")
    if "image" in name:
        raise Skip("image generation priced per token: the catalog prices images per image")
    if not all({"input", "output"} <= set(s.tokens) for s in sets):
        raise Skip("no input and output token prices, as a chat model needs")
    return "text", "chat"


def convert(provider_id: str, model: ModelInfo, *, id_prefix: str, upstream_prefix: str,
            modality: str | None = None) -> Entry:
    notes: list[str] = []
    tool_fees: dict[str, set[str]] = {}
    if not MODEL_ID.fullmatch(model.id) or not MODEL_ID.fullmatch(id_prefix + model.id):
        raise Skip(f"id {model.id!r} is not a valid catalog model id")
    sets = price_history(model, notes, tool_fees)
    kind, operation = classify(model, sets, modality)
    if model.deprecated:
        notes.append("marked deprecated by genai-prices")
    our_id = id_prefix + model.id
    upstream = upstream_prefix + model.id
    aliases = [f"{provider_id}/{model.id}", *exact_ids(model.match)]
    if upstream != our_id:
        aliases.insert(1, upstream)
    unique: list[str] = []
    for alias in aliases:
        if alias != our_id and alias not in unique and MODEL_ID.fullmatch(alias):
            unique.append(alias)
    return Entry(model, our_id, upstream if upstream != our_id else None, unique, kind, operation, sets, notes,
                 tool_fees)


# -- YAML ------------------------------------------------------------------------------------------------------


def scalar(text: str) -> str:
    """`text` as a YAML scalar: bare when unambiguous, else a JSON (= YAML double-quoted) string."""
    if BARE.fullmatch(text) and text.lower() not in YAML_WORDS:
        return text
    return json.dumps(text)


def flow(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{key}: {json.dumps(value)}" for key, value in mapping.items()) + "}"


def wrapped_list(head: str, items: Sequence[str], width: int = 116) -> Iterator[str]:
    """A YAML flow sequence, continued on more-indented lines when it would pass `width` columns."""
    line = head
    for index, item in enumerate(items):
        piece = item + ("]" if index == len(items) - 1 else ",")
        if line != head and len(line) + 1 + len(piece) > width:
            yield line
            line = " " * len(head) + piece
        else:
            line += ("" if line == head else " ") + piece
    yield line


def comment_lines(text: str, indent: str, width: int = 116) -> Iterator[str]:
    line = f"{indent}#"
    for word in text.split():
        if len(line) + 1 + len(word) > width and line != f"{indent}#":
            yield line
            line = f"{indent}#"
        line += " " + word
    yield line


def render_entry(entry: Entry, source: str, as_of: date) -> list[str]:
    out: list[str] = []
    for note in entry.notes:
        out.extend(comment_lines(note, "  "))
    out.append(f"  - id: {scalar(entry.id)}")
    if entry.model.name:
        out.append(f"    name: {scalar(entry.model.name)}")
    if entry.upstream_id:
        out.append(f"    upstream_id: {scalar(entry.upstream_id)}")
    if entry.aliases:
        out.extend(wrapped_list("    aliases: [", [scalar(alias) for alias in entry.aliases]))
    out.append(f"    modality: {entry.modality}")
    out.append(f"    operations: [{entry.operation}]")
    if entry.model.context_window:
        out.append(f"    context_window: {entry.model.context_window}")
    out.append(f"    source: {source}")
    out.append(f"    as_of: {as_of.isoformat()}")
    out.append("    prices:")
    for price_set in entry.price_sets:
        lines: list[str] = []
        if price_set.effective_from:
            lines.append(f"effective_from: {price_set.effective_from.isoformat()}")
        if price_set.tokens:
            lines.append(f"tokens: {flow(price_set.tokens)}")
        if price_set.tiers:
            lines.append("tiers:")
            lines.extend(f"  - {{above_input_tokens: {start}, {flow(tier)[1:]}" for start, tier in price_set.tiers)
        if price_set.requests:
            lines.append(f"requests: {{unit: usd_per_1k_requests, price: {json.dumps(price_set.requests)}}}")
        if price_set.characters:
            lines.append(f"characters: {{unit: usd_per_1m_characters, price: {json.dumps(price_set.characters)}}}")
        if price_set.audio:
            lines.append(f"audio: {{unit: usd_per_3600_seconds, price: {json.dumps(price_set.audio)}}}")
        out.append(f"      - {lines[0]}")
        out.extend(f"        {line}" for line in lines[1:])
    return out


def render_file(provider_id: str, provider: Provider, entries: Sequence[Entry], as_of: date, command: str) -> str:
    urls = provider.pricing_urls or []
    source = urls[0] if urls else PACKAGE_URL
    fees: dict[str, set[str]] = {}
    for entry in entries:
        for label, values in entry.tool_fees.items():
            fees.setdefault(label, set()).update(values)
    header = [
        "# yaml-language-server: $schema=../../generated/catalog_src.schema.json",
        *comment_lines(f"Bootstrapped from {PACKAGE} (MIT License, {PACKAGE_URL}; see catalog_src/THIRD_PARTY.md) "
                       f"with `{command}`, then reviewed by hand: this file is now the source, edit it directly.", ""),
        f"# genai-prices provider {provider.id!r}; its pricing pages:",
        *(f"#   {url}" for url in urls),
    ]
    header.extend(comment_lines(AS_OF_NOTE + ".", ""))
    if fees:
        shown = "; ".join(f"{label} (USD {'/'.join(sorted(values, key=Decimal))} per 1,000)"
                          for label, values in sorted(fees.items()))
        header.extend(comment_lines(f"Tool fees not modelled by the catalog: {shown}.", ""))
    header.extend(comment_lines("Not modelled either: batch, flex, priority and other service-tier price variants.",
                                ""))
    body = [f"provider: {provider_id}", "models:"]
    for entry in entries:
        body.extend(render_entry(entry, source, as_of))
    return "\n".join([*header, *body]) + "\n"


# -- CLI -------------------------------------------------------------------------------------------------------


def find_provider(their_id: str) -> Provider:
    for provider in data.providers:
        if provider.id == their_id:
            return provider
    known = ", ".join(sorted(provider.id for provider in data.providers))
    raise SystemExit(f"error: genai-prices has no provider {their_id!r} (known: {known})")


def select(provider: Provider, wanted: Sequence[str] | None) -> list[ModelInfo]:
    if wanted is None:
        return list(provider.models)
    by_id = {model.id: model for model in provider.models}
    missing = [model_id for model_id in wanted if model_id not in by_id]
    if missing:
        raise SystemExit(f"error: provider {provider.id!r} has no model {', '.join(map(repr, missing))}")
    return [by_id[model_id] for model_id in wanted]


def dedupe(entries: Iterable[Entry]) -> list[Entry]:
    """Keep every id and alias unique within the output: later claims of a taken name are dropped."""
    taken: dict[str, str] = {}
    result: list[Entry] = []
    for entry in entries:
        if entry.id in taken:
            print(f"skip {entry.model.id}: id {entry.id!r} already taken by {taken[entry.id]}", file=sys.stderr)
            continue
        taken[entry.id] = entry.id
        result.append(entry)
    for entry in result:
        kept = []
        for alias in entry.aliases:
            if alias in taken:
                print(f"note {entry.id}: alias {alias!r} dropped (already {taken[alias]})", file=sys.stderr)
                continue
            taken[alias] = f"an alias of {entry.id}"
            kept.append(alias)
        entry.aliases = kept
    return result


def describe(args: argparse.Namespace) -> str:
    """The command line that reproduces this output (model ids comma-and-space separated, so comments wrap)."""
    parts = ["scripts/import_genai_prices.py", "--provider", args.provider]
    if args.their_id:
        parts += ["--their-id", args.their_id]
    if args.id_prefix:
        parts += ["--id-prefix", args.id_prefix]
    if args.upstream_prefix:
        parts += ["--upstream-prefix", args.upstream_prefix]
    if args.modality:
        parts += ["--modality", args.modality]
    if args.as_of != DATA_AS_OF:
        parts += ["--as-of", args.as_of.isoformat()]
    if args.models:
        parts += ["--models", '"' + ", ".join(m.strip() for m in args.models.split(",") if m.strip()) + '"']
    return " ".join(parts)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0] if __doc__ else None)
    parser.add_argument("--provider", required=True, help="our provider id (catalog_src/providers.yaml)")
    parser.add_argument("--their-id", help="genai-prices provider id (default: the same, or x-ai/moonshotai/voyageai)")
    parser.add_argument("--models", help="comma-separated genai-prices model ids to import, in this order")
    parser.add_argument("--id-prefix", default="", help="prefix of our model ids, e.g. together/ for a duplicate")
    parser.add_argument("--upstream-prefix", default="",
                        help="prefix of the provider's real model id, e.g. accounts/fireworks/models/")
    parser.add_argument("--modality", choices=("text", "embedding"),
                        help="treat every selected token-priced model as this modality (default: guessed from the "
                             "prices, and `embed` in the id for embeddings)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=DATA_AS_OF, help="as_of date of every model")
    parser.add_argument("--list", action="store_true", help="list the provider's models and their price keys")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    provider = find_provider(args.their_id or THEIR_IDS.get(args.provider, args.provider))
    models = select(provider, [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None)
    if args.list:
        for model in models:
            conditionals = model.prices if isinstance(model.prices, list) else [ConditionalPrice(prices=model.prices)]
            for conditional in conditionals:
                print(f"{model.id}\t{conditional.constraint or ''}\t{_summary(conditional.prices)}")
        return 0
    entries: list[Entry] = []
    skipped: dict[str, list[str]] = {}
    for model in models:
        try:
            entries.append(convert(args.provider, model, id_prefix=args.id_prefix,
                                   upstream_prefix=args.upstream_prefix, modality=args.modality))
        except Skip as problem:
            skipped.setdefault(str(problem), []).append(model.id)
    for reason, ids in skipped.items():
        print(f"skipped {len(ids)} ({reason}): {', '.join(ids)}", file=sys.stderr)
    for entry in entries:
        for note in entry.notes:
            print(f"note {entry.id}: {note}", file=sys.stderr)
    entries = dedupe(entries)
    if not entries:
        print("error: no model could be imported", file=sys.stderr)
        return 1
    command = describe(args)
    sys.stdout.write(render_file(args.provider, provider, entries, args.as_of, command))
    print(f"imported {len(entries)} of {len(models)} models", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
