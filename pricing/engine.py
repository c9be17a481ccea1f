"""Resolve a model, pick the price set in force, and price usage into a Charge. Pure: no I/O, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from generated.catalog import MODEL_INDEX, PLATFORM_FEE_BPS, MediaGroup, Model, PriceSet, Rate
from pricing.charge import Charge, LineItem, line
from pricing.errors import InvalidArgument, InvalidUsage, UnknownModel, UnpricedUsage, shown
from pricing.pricers import _CACHE as _PRICERS
from pricing.pricers import pricer
from pricing.usage import Usage, checked, token_counts

_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__: this is the hot path


def get_model(model: str | Model) -> Model:
    """The model with this id or alias (or the record itself); UnknownModel otherwise."""
    if type(model) is Model:
        return model
    found = MODEL_INDEX.get(model) if isinstance(model, str) else None
    if found is None:
        raise UnknownModel(model if isinstance(model, str) and len(model) <= 200 else shown(model))
    return found


def fee_of(fee_bps: object) -> int:
    """The platform fee in basis points: the catalog's, or an int from 0 to 10,000 (never a float)."""
    if fee_bps is None:
        return PLATFORM_FEE_BPS
    if type(fee_bps) is not int or not 0 <= fee_bps <= 10_000:
        raise InvalidArgument(f"fee_bps must be an int from 0 to 10000 (basis points), got {shown(fee_bps)}")
    return fee_bps


def price_set_at(model: Model, at: datetime | None) -> PriceSet:
    """The price set in force at `at` (timezone-aware). Without `at` (the engine reads no clock) the newest set,
    which may be one scheduled for the future: callers pricing live traffic pass `at=datetime.now(UTC)`."""
    prices = model.prices
    if at is None:
        return prices[-1]
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise InvalidArgument(f"`at` must be a timezone-aware datetime (UTC), e.g. datetime.now(UTC), got "
                              f"{shown(at)}")
    for price_set in reversed(prices):
        if price_set.effective_from is None or price_set.effective_from <= at:
            return price_set
    first = prices[0].effective_from
    raise UnpricedUsage(f"{model.id} has no price in force at {at.isoformat()}: its first price starts at "
                        f"{first.isoformat() if first else '?'}")


def select_option(model: Model, group: MediaGroup, wanted: Mapping[str, str | None], what: str) -> Rate:
    """The media option matching the requested parameters; missing parameters come from the default option."""
    for name, value in wanted.items():
        if value is not None and name not in group.params:
            raise InvalidUsage(f"{model.id} prices {what} by {', '.join(group.params) or 'nothing'}, not by {name} "
                               f"(got {name}={shown(value)})")
    if all(wanted.get(name) is None for name in group.params):
        return group.default.rate
    values = tuple(wanted.get(name) or default for name, default in zip(group.params, group.default.values,
                                                                          strict=True))
    for option in group.options:
        if option.values == values:
            return option.rate
    offered = ", ".join("×".join(option.values) for option in group.options)
    asked = ", ".join(f"{name}={shown(value)}" for name, value in zip(group.params, values, strict=True))
    raise InvalidUsage(f"{model.id} does not offer {what} with {asked}; "
                       f"offered ({' × '.join(group.params)}): {offered}")


def _unpriced(model: Model, field: str, quantity: object, detail: str) -> UnpricedUsage:
    return UnpricedUsage(f"{model.id} has no price for {field} ({shown(quantity)}): {detail}; never priced as "
                         "zero")


def token_lines(model: Model, price_set: PriceSet, inp: int, cached: int, write: int, out: int,
                reasoning: int, _new: Any = _new, _item: type[LineItem] = LineItem) -> list[LineItem]:
    """Token lines by the documented split; the tier is the highest one the prompt is strictly above (cliff).
    The rule: `price` runs it compiled for each price set (pricing/pricers.py), which must give the same lines."""
    rates = price_set[2]  # .tokens, .tiers: an index is a third of a NamedTuple property's cost
    tiers = price_set[3]
    if tiers:
        for above, tier_rates in reversed(tiers):
            if inp > above:
                rates = tier_rates
                break
    if rates is None:
        field, quantity = ("input_tokens", inp) if inp else ("output_tokens", out)
        raise _unpriced(model, field, quantity, "the model has no token prices")
    r_input, r_cached, r_write, r_output, r_reasoning = rates
    lines: list[LineItem] = []
    add = lines.append
    if cached and r_cached is not None:
        usd, unit, num, den = r_cached
        add(_new(_item, ("cached_input_tokens", unit, cached, usd, -(-cached * num // den))))
        inp -= cached
    if write and r_write is not None:
        usd, unit, num, den = r_write
        add(_new(_item, ("cache_write_tokens", unit, write, usd, -(-write * num // den))))
        inp -= write
    if inp:
        if r_input is None:
            raise _unpriced(model, "input_tokens", inp, "the model has no input token price")
        usd, unit, num, den = r_input
        add(_new(_item, ("input_tokens", unit, inp, usd, -(-inp * num // den))))
    if reasoning and r_reasoning is not None:
        usd, unit, num, den = r_reasoning
        add(_new(_item, ("reasoning_tokens", unit, reasoning, usd, -(-reasoning * num // den))))
        out -= reasoning
    if out:
        if r_output is None:
            raise _unpriced(model, "output_tokens", out, "the model has no output token price")
        usd, unit, num, den = r_output
        add(_new(_item, ("output_tokens", unit, out, usd, -(-out * num // den))))
    return lines


def _media_lines(model: Model, price_set: PriceSet, usage: Usage) -> list[LineItem]:
    lines: list[LineItem] = []
    images, video = price_set.images, price_set.video
    if usage.images:
        if images is None:
            raise _unpriced(model, "images", usage.images, "the model has no per-image price")
        wanted = {"size": usage.image_size, "quality": usage.image_quality}
        lines.append(line("images", usage.images, select_option(model, images, wanted, "images")))
    if usage.characters:
        if price_set.characters is None:
            raise _unpriced(model, "characters", usage.characters, "the model has no per-character price")
        lines.append(line("characters", usage.characters, price_set.characters))
    if usage.audio_seconds:
        if price_set.audio is None:
            raise _unpriced(model, "audio_seconds", usage.audio_seconds, "the model has no audio-duration price")
        lines.append(line("audio_seconds", usage.audio_seconds, price_set.audio))
    if usage.video_seconds:
        if video is None:
            raise _unpriced(model, "video_seconds", usage.video_seconds, "the model has no per-second video price")
        rate = select_option(model, video, {"resolution": usage.video_resolution}, "video")
        lines.append(line("video_seconds", usage.video_seconds, rate))
    if usage.searches:
        if price_set.searches is None:
            raise _unpriced(model, "searches", usage.searches, "the model has no per-search price")
        lines.append(line("searches", usage.searches, price_set.searches))
    if usage.requests and price_set.requests is not None:
        lines.append(line("requests", usage.requests, price_set.requests))
    return lines


def price(model: str | Model, usage: Usage | Mapping[str, Any], *, at: datetime | None = None,
          fee_bps: int | None = None) -> Charge:
    """Price `usage` for `model` (id, alias or record) with the price set in force at `at`.

    Raises UnknownModel, InvalidUsage (contradictory or unknown fields, a media option the model does not offer)
    or UnpricedUsage (a quantity the model has no price for).
    """
    # The hot path: every call prices with it. NamedTuple fields are read by index where a property costs a third
    # more (a model's [11]: its price history; a price set's [1]: free), and the price set's compiled pricer
    # (pricers.py) is looked up inline; `pricer()` builds it on first use.
    record = model if type(model) is Model else get_model(model)
    price_set = record[11][-1] if at is None else price_set_at(record, at)
    counts = token_counts(usage)  # a dict of token counts
    if counts is not None:
        inp, cached, write, out, reasoning = counts
        other = None
    else:
        used = checked(usage)
        inp, cached, write, out, reasoning = used[:5]
        other = [] if price_set[1] or not (used.images or used.characters or used.audio_seconds or used.video_seconds
                                            or used.searches or (used.requests and price_set.requests is not None)) \
            else _media_lines(record, price_set, used)
    compiled = _PRICERS.get(id(price_set))
    charge_of = compiled[1] if compiled is not None and compiled[0] is price_set else pricer(price_set, _unpriced)
    return charge_of(record, inp, cached, write, out, reasoning, PLATFORM_FEE_BPS if fee_bps is None
                     else fee_of(fee_bps), other)
