"""genai-prices prices → catalog price sets, and what kind of model each one is.

Mapping (genai-prices price key → catalog field):
    input_mtok → tokens.input              cache_read_mtok → tokens.cached_input
    cache_write_mtok → tokens.cache_write  output_mtok → tokens.output
    output_reasoning_mtok → tokens.reasoning
    requests_kcount → requests (usd_per_1k_requests)
    input_mchars → characters (usd_per_1m_characters)
    audio_hours / input_audio_hours → audio (usd_per_3600_seconds)
    rerank_searches_kcount → searches (usd_per_1k_searches)
    TieredPrices → cliff `tiers`; ConditionalPrice + StartDateConstraint → price history (`effective_from`)

Dropped with a comment (the model is still imported): cache_write_1h_mtok (the 5-minute `cache_write` price is
kept: a usage that reports no 1-hour writes prices the same), tool fees (web_searches_kcount,
storage_searches_kcount…: the catalog does not model tool calls), price_variants (batch/flex/priority tiers) and
time-of-day discounts (the dearer price applies at every hour; a time-of-day *surcharge* is a Skip, since one price
at every hour would under-charge). Everything else is a `Skip` with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal
from itertools import pairwise
from typing import Final

from genai_prices.types import (
    ConditionalPrice,
    ModelInfo,
    ModelPrice,
    StartDateConstraint,
    TieredPrices,
    TimeOfDateConstraint,
)

TOKEN_KEYS: Final = {
    "input_mtok": "input",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
    "output_mtok": "output",
    "output_reasoning_mtok": "reasoning",
}
TOKEN_ORDER: Final = ("input", "cached_input", "cache_write", "output", "reasoning")
AUDIO_KEYS: Final = ("audio_hours", "input_audio_hours")
UNIT_KEYS: Final = {"requests_kcount": "requests", "input_mchars": "characters", "rerank_searches_kcount": "searches"}
DROPPED_KEYS: Final = ("cache_write_1h_mtok",)
TOOL_FEES: Final = {
    "web_searches_kcount": "web search calls",
    "storage_searches_kcount": "file/vector-store search calls",
    "social_searches_kcount": "social search calls",
    "code_executions_kcount": "code execution calls",
}
SUPPORTED: Final = frozenset({*TOKEN_KEYS, *AUDIO_KEYS, *UNIT_KEYS, *DROPPED_KEYS, *TOOL_FEES})
MAX_DECIMAL_PLACES: Final = 12
EMBEDDING_ID: Final = re.compile(r"embed|(^|[/._-])(bge|gte|e5)([._-]|$)", re.IGNORECASE)
EMBEDDING_PROVIDERS: Final = frozenset({"voyageai"})  # every model of theirs is an embedding model (or a reranker)


class Skip(Exception):
    """The model cannot be expressed in the catalog format: `kind` groups the summary, `detail` says why."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass
class PriceSetDraft:
    effective_from: date | None
    free: bool = False
    tokens: dict[str, str] = field(default_factory=dict)
    tiers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)  # requests / characters / searches / audio -> price

    def same_prices(self, other: PriceSetDraft) -> bool:
        return (self.free, self.tokens, self.tiers, self.units) == (other.free, other.tokens, other.tiers, other.units)


@dataclass
class Converted:
    """A genai-prices model in catalog terms, before it gets its catalog id."""

    sets: list[PriceSetDraft]
    modality: str
    operation: str
    notes: list[str]
    tool_fees: dict[str, set[str]]
    rounded: set[str]  # price fields rounded to fit the catalog (a float artifact or more than 12 places)


# -- prices ----------------------------------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A decimal as a plain string without exponent or trailing zeros."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def price_text(value: Decimal, name: str, where: str, notes: list[str], rounded: set[str]) -> str:
    """A plain decimal string the catalog accepts. A float artifact (0.18000000000000002) is read as what it
    obviously means; any other value with more than 12 decimal places is rounded up (never below the source)."""
    if not value.is_finite() or value < 0:
        raise Skip("price not representable", f"{where}: {value} is not a finite non-negative price")
    text = plain(value)
    if len(text.partition(".")[2]) <= MAX_DECIMAL_PLACES:
        if len(text.partition(".")[0]) > 6:
            raise Skip("price not representable", f"{where}: {text} is 1,000,000 USD or more a unit")
        return text
    rounded.add(name)
    for places in range(MAX_DECIMAL_PLACES - 1):
        if abs(round(value, places) - value) < Decimal("1e-12"):
            fixed = plain(round(value, places))
            notes.append(f"{where}: {value} (a float artifact) read as {fixed}")
            return fixed
    fixed = plain(value.quantize(Decimal(1).scaleb(-MAX_DECIMAL_PLACES), rounding=ROUND_CEILING))
    notes.append(f"{where}: {value} rounded up to {fixed} (the catalog keeps 12 decimal places)")
    return fixed


def _at(value: Decimal | TieredPrices, threshold: int) -> Decimal:
    """The cliff price of `value` once the prompt has more than `threshold` input tokens."""
    if isinstance(value, TieredPrices):
        price = value.base
        for tier in value.tiers:
            if tier.start <= threshold:
                price = tier.price
        return price
    return value


def _shown(value: Decimal | TieredPrices) -> str:
    return plain(value.base) + " (+tiers)" if isinstance(value, TieredPrices) else plain(value)


def price_values(prices: ModelPrice) -> dict[str, Decimal | TieredPrices]:
    return {key: value for key, value in vars(prices).items() if not key.startswith("_") and value is not None}


def convert_prices(prices: ModelPrice, effective_from: date | None, notes: list[str],
                   tool_fees: dict[str, set[str]], rounded: set[str]) -> PriceSetDraft:
    values = price_values(prices)
    unknown = sorted(set(values) - SUPPORTED)
    if unknown:
        raise Skip("price keys the catalog cannot express", ", ".join(unknown))
    for key, label in TOOL_FEES.items():
        if key in values:
            tool_fees.setdefault(label, set()).add(plain(_at(values.pop(key), 0)))
    for key in DROPPED_KEYS:
        if key in values:
            note = (f"cache_write is the 5-minute cache write price; the 1-hour cache write price ({key}: "
                    f"{_shown(values.pop(key))}) is not modelled")
            if note not in notes:
                notes.append(note)
    when = f" from {effective_from}" if effective_from else ""
    result = PriceSetDraft(effective_from)
    for key in (*AUDIO_KEYS, *UNIT_KEYS):
        if isinstance(values.get(key), TieredPrices):
            raise Skip("price not representable", f"{key} has token tiers, which only token prices can have")
    audio = {values.pop(key) for key in AUDIO_KEYS if key in values}
    if len(audio) > 1:
        raise Skip("price not representable", "audio_hours and input_audio_hours differ")
    if audio:
        value = audio.pop()
        assert isinstance(value, Decimal)
        result.units["audio"] = price_text(value, "audio", f"audio{when}", notes, rounded)
    for key, name in UNIT_KEYS.items():
        if key in values:
            value = values.pop(key)
            assert isinstance(value, Decimal)
            result.units[name] = price_text(value, name, f"{name}{when}", notes, rounded)
    tokens = {TOKEN_KEYS[key]: value for key, value in values.items()}
    starts = sorted({tier.start for value in tokens.values() if isinstance(value, TieredPrices)
                     for tier in value.tiers})
    if starts and starts[0] <= 0:
        raise Skip("price not representable", f"a token tier starts at {starts[0]} input tokens (the catalog's "
                   "tiers start above 0)")
    for name in TOKEN_ORDER:
        if name in tokens:
            result.tokens[name] = price_text(_at(tokens[name], 0), name, f"tokens.{name}{when}", notes, rounded)
    for start in starts:
        tier: dict[str, str] = {
            name: price_text(_at(tokens[name], start), name, f"tiers[>{start}].{name}{when}", notes, rounded)
            for name in TOKEN_ORDER if name in tokens}
        result.tiers.append((start, tier))
    return result


def _summary(prices: ModelPrice) -> str:
    return " ".join(f"{key}={_shown(value)}" for key, value in price_values(prices).items())


def _dearer(window: ModelPrice, prices: ModelPrice) -> bool:
    """Whether `window` prices anything above `prices` (or prices something `prices` does not)."""
    theirs = price_values(prices)
    for key, value in price_values(window).items():
        other = theirs.get(key)
        if other is None:
            return True
        if isinstance(value, TieredPrices) or isinstance(other, TieredPrices):
            starts = {0, *(t.start for v in (value, other) if isinstance(v, TieredPrices) for t in v.tiers)}
            if any(_at(value, start) > _at(other, start) for start in starts):
                return True
        elif value > other:
            return True
    return False


def price_history(model: ModelInfo, notes: list[str], tool_fees: dict[str, set[str]],
                  rounded: set[str]) -> list[PriceSetDraft]:
    """The price sets, oldest first. genai-prices applies the last conditional price whose constraint holds, and
    the first one when none does: so the first set has no start date, as in the catalog."""
    conditionals = model.prices if isinstance(model.prices, list) else [ConditionalPrice(prices=model.prices)]
    kept: list[tuple[date | None, ModelPrice]] = []
    by_time: dict[str, list[str]] = {}  # price summary -> the daily windows it applies in
    windows: list[ModelPrice] = []
    for conditional in conditionals:
        constraint = conditional.constraint
        if isinstance(constraint, TimeOfDateConstraint):
            window = f"{constraint.start_time:%H:%M}-{constraint.end_time:%H:%M}"
            by_time.setdefault(_summary(conditional.prices), []).append(window)
            windows.append(conditional.prices)
        elif isinstance(constraint, StartDateConstraint):
            kept.append((constraint.start_date, conditional.prices))
        elif constraint is None:
            kept.append((None, conditional.prices))
        else:  # pragma: no cover - genai-prices 0.2.5 has no other constraint
            raise Skip("price not representable", f"unknown price constraint {type(constraint).__name__}")
    if not kept:
        raise Skip("price not representable", "only time-of-day prices")
    for window_prices in windows:
        if any(_dearer(window_prices, prices) for _, prices in kept):
            raise Skip("price not representable", "a time-of-day price is dearer than the price at other hours: one "
                       "price at every hour would under-charge (the catalog has no time-of-day prices)")
    for summary, hours in by_time.items():
        notes.append(f"time-of-day discount not modelled: {' and '.join(hours)} UTC costs {summary or 'nothing'}; "
                     "the price at other hours applies at every hour")
    if any(start is None for start, _ in kept[1:]):
        raise Skip("price not representable", "an unconstrained price set after the first one")
    dates = [start for start, _ in kept[1:] if start is not None]
    if any(later <= earlier for earlier, later in pairwise(dates)) or (
            kept[0][0] is not None and dates and dates[0] <= kept[0][0]):
        raise Skip("price not representable", "price sets not in ascending date order")
    sets: list[PriceSetDraft] = []
    for index, (start, prices) in enumerate(kept):
        if not price_values(prices):
            if not model.id.endswith(":free"):
                raise Skip("no prices", "genai-prices lists none (unknown, in a subscription or free; only an id "
                           "ending in :free is taken as free)")
            converted = PriceSetDraft(start, free=True)
        else:
            converted = convert_prices(prices, start, notes, tool_fees, rounded)
        if index == 0:
            converted.effective_from = None
        if sets and converted.same_prices(sets[-1]):
            notes.append(f"the price set from {start} changes only prices the catalog does not model; merged")
            continue
        sets.append(converted)
    return sets


# -- what the model does ---------------------------------------------------------------------------------------


def classify(provider_id: str, model: ModelInfo, sets: list[PriceSetDraft]) -> tuple[str, str]:
    """(modality, operation) of a model, from its prices and, where prices cannot tell, from its id."""
    name = model.id.lower()
    kinds = {kind for price_set in sets for kind in price_set.units} | (
        {"tokens"} if any(price_set.tokens for price_set in sets) else set())
    if kinds == {"characters"}:
        return "audio", "speech"
    if kinds == {"audio"}:
        return "audio", "transcription"
    if kinds & {"characters", "audio"}:
        raise Skip("no catalog operation fits", f"mixes per-character or per-audio-hour prices with other kinds "
                   f"({', '.join(sorted(kinds))})")
    priced = [price_set for price_set in sets if not price_set.free]
    if "rerank" in name:
        if not all("input" in s.tokens or "searches" in s.units for s in priced):
            raise Skip("no catalog operation fits", "a reranker needs an input token or per-search price")
        return "text", "rerank"
    if "searches" in kinds:
        raise Skip("no catalog operation fits", "per-search prices on a model that is not a reranker")
    if EMBEDDING_ID.search(name) or provider_id in EMBEDDING_PROVIDERS:
        if not all("input" in s.tokens for s in priced):
            raise Skip("no catalog operation fits", "an embedding model needs an input token price")
        return "embedding", "embeddings"
    if "tts" in name:
        raise Skip("no catalog operation fits", "speech model priced per token (the catalog prices speech per "
                   "character)")
    if "image" in name:
        raise Skip("no catalog operation fits", "image generation priced per token (the catalog prices images per "
                   "image)")
    if not all({"input", "output"} <= set(s.tokens) for s in priced):
        raise Skip("no catalog operation fits", "not an embedding model or reranker by its id, and no input and "
                   "output token prices as a chat model needs")
    return "text", "chat"


def convert(provider_id: str, model: ModelInfo) -> Converted:
    """The model's price history and operation, or Skip."""
    notes: list[str] = []
    tool_fees: dict[str, set[str]] = {}
    rounded: set[str] = set()
    sets = price_history(model, notes, tool_fees, rounded)
    modality, operation = classify(provider_id, model, sets)
    return Converted(sets, modality, operation, notes, tool_fees, rounded)
