"""The compiled pricers (pricing/pricers.py) are the rule (engine.token_lines and the rest of engine.price)
compiled per price set: the same charge, line for line, for every price set of the catalog and for the synthetic
ones that exercise every branch (tiers, reasoning, missing rates, free sets, per-request fees)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pricing
from generated.catalog import MODELS, PLATFORM_FEE_BPS, Model, PriceSet, Tier
from pricing import engine, pricers
from pricing.charge import Charge, line
from tests.pricing import records as r
from tests.pricing.strategies import SYNTHETIC, usages

EDGES = [
    *SYNTHETIC,
    r.model("output-only", r.price_set(tokens=r.tokens(output="2"))),
    r.model("input-only", r.price_set(tokens=r.tokens("2"))),
    r.model("free", r.price_set(free=True)),
    r.model("tier-without-reasoning", r.price_set(tokens=r.tokens("1", output="2", reasoning="3"),
                                                  tiers=(Tier(10, r.tokens("4", output="5")),))),
    r.model("no-tokens-with-fee", r.price_set(requests=r.rate("0.01", "usd_per_request"))),
    r.model("tier-only", r.price_set(tiers=(Tier(10, r.tokens("4", output="5")),))),
]


def reference(model: Model, price_set: PriceSet, counts: tuple[int, int, int, int, int], fee: int) -> Charge:
    """The rule, uncompiled: what engine.price computed before pricers existed."""
    lines = [] if price_set.free or not (counts[0] or counts[3]) else engine.token_lines(model, price_set, *counts)
    if not price_set.free and price_set.requests is not None:
        lines.append(line("requests", 1, price_set.requests))
    total = sum(item.amount for item in lines)
    platform = -(-total * fee // 10_000)
    return Charge(model.id, model.provider, tuple(lines), total, platform, total + platform, fee)


def moments(model: Model) -> list[tuple[datetime | None, PriceSet]]:
    """A time at which each price set of the model is in force."""
    out: list[tuple[datetime | None, PriceSet]] = []
    for price_set in model.prices:
        out.append((None if price_set.effective_from is None and len(model.prices) == 1 else
                    (price_set.effective_from or datetime(2000, 1, 1, tzinfo=UTC)) + timedelta(seconds=1), price_set))
    return out


def outcome(call: Any, *args: Any, **kwargs: Any) -> Any:
    """What the call gives: its result, or the pricing error it raised (type and message)."""
    try:
        return call(*args, **kwargs)
    except pricing.PricingError as exc:
        return type(exc), str(exc)


@settings(max_examples=400, deadline=None)
@given(model=st.sampled_from([m for m in MODELS if not m.prices[-1].free] + EDGES), usage=usages(),
       fee=st.sampled_from([None, 0, 1, 100, 250, 10_000]))
def test_a_compiled_pricer_charges_what_the_rule_charges(model: Model, usage: pricing.Usage, fee: int | None) -> None:
    counts = tuple(usage[:5])
    for at, price_set in moments(model):
        bps = PLATFORM_FEE_BPS if fee is None else fee
        expected = outcome(reference, model, price_set, counts, bps)
        mapping = dict(zip(("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens",
                            "reasoning_tokens"), counts, strict=True))
        assert outcome(pricing.price, model, mapping, at=at, fee_bps=fee) == expected


@pytest.mark.parametrize("model", EDGES, ids=lambda model: model.id)
def test_the_edges_raise_as_the_rule_does(model: Model) -> None:
    for counts in ((0, 0, 0, 0, 0), (5, 0, 0, 0, 0), (0, 0, 0, 7, 0), (20, 3, 2, 9, 4), (11, 0, 0, 1, 1)):
        expected = outcome(reference, model, model.prices[-1], counts, 100)
        mapping = {"input_tokens": counts[0], "cached_input_tokens": counts[1], "cache_write_tokens": counts[2],
                   "output_tokens": counts[3], "reasoning_tokens": counts[4]}
        assert outcome(pricing.price, model, mapping) == expected


def test_a_usage_with_media_adds_its_lines_to_the_compiled_charge() -> None:
    both = r.model("both", r.price_set(tokens=r.tokens("1", output="2"), characters=r.rate("15", "usd_per_1m_characters"),
                                       requests=r.rate("0.01", "usd_per_request")), operations=("chat", "speech"))
    charge = pricing.price(both, pricing.Usage(input_tokens=10, output_tokens=5, characters=1_000, requests=2))
    assert [(item.key, item.amount) for item in charge.line_items] == [
        ("input_tokens", 10), ("output_tokens", 10), ("characters", 15_000), ("requests", 20_000)]
    assert charge.provider_amount == 35_020


def test_pricers_are_kept_per_price_set_and_a_reused_id_is_never_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    model = EDGES[0]
    pricers._CACHE.clear()  # a pricer an earlier test left must not stand in for the one this call caches
    first = pricers.pricer(model.prices[-1], engine._unpriced)
    assert pricers.pricer(model.prices[-1], engine._unpriced) is first
    impostor = r.price_set(tokens=r.tokens("9", output="9"))
    pricers._CACHE[id(impostor)] = (model.prices[-1], first)  # another object under this id: not its pricer
    assert pricing.price(r.model("other", impostor), {"input_tokens": 1}).provider_amount == 9
    monkeypatch.setattr(pricers, "_MAX_CACHED", 1)
    pricers.pricer(r.price_set(tokens=r.tokens("1", output="1")), engine._unpriced)
    assert len(pricers._CACHE) == 1  # a full cache starts over rather than growing without bound


@pytest.mark.parametrize("model", EDGES, ids=lambda model: model.id)
def test_every_tier_charges_what_the_rule_charges_on_both_sides_of_its_threshold(model: Model) -> None:
    thresholds = [int(tier.above_input_tokens) for tier in model.prices[-1].tiers]
    for inp in sorted({0, 1, *(t + d for t in thresholds for d in (0, 1, 2))}):
        counts = (inp, inp // 4, inp // 5, 7, 3)
        expected = outcome(reference, model, model.prices[-1], counts, 100)
        mapping = dict(zip(("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens",
                            "reasoning_tokens"), counts, strict=True))
        assert outcome(pricing.price, model, mapping, fee_bps=100) == expected


def test_the_rule_picks_a_tier_only_above_its_threshold() -> None:
    tiered = r.model("tiered", r.price_set(tokens=r.tokens("1", output="2"), tiers=(Tier(10, r.tokens("5", output="7")),)))
    at = engine.token_lines(tiered, tiered.prices[-1], 10, 0, 0, 1, 0)
    above = engine.token_lines(tiered, tiered.prices[-1], 11, 0, 0, 1, 0)
    assert [(item.key, item.amount) for item in at] == [("input_tokens", 10), ("output_tokens", 2)]
    assert [(item.key, item.amount) for item in above] == [("input_tokens", 55), ("output_tokens", 7)]


def test_the_pricer_cache_never_holds_more_than_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pricers, "_CACHE", {})
    monkeypatch.setattr(pricers, "_MAX_CACHED", 2)
    sets = [r.price_set(tokens=r.tokens(str(n), output="1")) for n in range(1, 6)]
    for price_set in sets:
        pricers.pricer(price_set, engine._unpriced)
        assert len(pricers._CACHE) <= 2


def test_a_free_price_set_charges_nothing_for_any_usage() -> None:
    free = r.model("free", r.price_set(free=True), operations=("chat", "images", "video"))
    usage = pricing.Usage(input_tokens=10, output_tokens=5, images=2, video_seconds=3, characters=4, audio_seconds=1,
                          searches=1)
    assert pricing.price(free, usage) == Charge("free", "test", (), 0, 0, 0, PLATFORM_FEE_BPS)


def test_media_lines_are_keyed_by_what_they_price() -> None:
    media = r.model("media", r.price_set(audio=r.rate("0.006", "usd_per_minute"),
                                         video=r.media(("resolution",), "usd_per_second", (("720p",), "0.1")),
                                         characters=r.rate("15", "usd_per_1m_characters"),
                                         searches=r.rate("2", "usd_per_1k_searches")), operations=("video",))
    charge = pricing.price(media, pricing.Usage(audio_seconds=10, video_seconds=2, characters=100, searches=1))
    assert [(item.key, item.unit, item.quantity, item.amount) for item in charge.line_items] == [
        ("characters", "usd_per_1m_characters", 100, 1_500), ("audio_seconds", "usd_per_minute", 10, 1_000),
        ("video_seconds", "usd_per_second", 2, 200_000), ("searches", "usd_per_1k_searches", 1, 2_000)]
