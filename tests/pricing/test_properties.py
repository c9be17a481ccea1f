"""Invariants of the rounding rule, checked against a plain-Fraction oracle (tests/pricing/oracle.py)."""

from __future__ import annotations

import decimal
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

import pricing
from generated.catalog import PLATFORM_FEE_BPS, Model
from pricing.usage import Usage
from tests.pricing import oracle
from tests.pricing.strategies import ALL_TOKEN_MODELS, models, usages

fees = st.sampled_from([0, 1, 100, 250, 9_999, 10_000])


@settings(max_examples=400)
@given(model=models, usage=usages(), fee_bps=fees)
@example(model=pricing.get_model("gemini-2.5-pro"), usage=Usage(input_tokens=1000), fee_bps=100)  # docs: 1263
def test_engine_equals_the_fraction_oracle(model: Model, usage: Usage, fee_bps: int) -> None:
    charge = pricing.price(model, usage, fee_bps=fee_bps)
    expected, exact_cost = oracle.final_amount(model, usage, fee_bps)
    assert charge.final_amount == expected
    assert [item.key for item in charge.line_items] == [key for key, _ in oracle.lines(model.prices[-1], usage)]
    lines = len(charge.line_items)
    # the charge covers the exact cost and exceeds it by less than one unit per line, plus less than one fee unit
    assert exact_cost <= charge.provider_amount < exact_cost + lines + (lines == 0)
    exact_fee = Fraction(charge.provider_amount * fee_bps, 10_000)
    assert exact_fee <= charge.platform_fee < exact_fee + 1
    assert charge.final_amount == charge.provider_amount + charge.platform_fee
    assert charge.provider_amount == sum(item.amount for item in charge.line_items)
    assert all(item.quantity > 0 for item in charge.line_items)  # zero-quantity lines are omitted


@given(model=models, usage=usages(), extra=usages())
def test_monotone_in_every_quantity(model: Model, usage: Usage, extra: Usage) -> None:
    base = pricing.price(model, usage)
    more = pricing.price(model, usage + extra._replace(requests=0))
    assert more.final_amount >= base.final_amount
    assert more.provider_amount >= base.provider_amount


@given(model=models, requests=st.integers(0, 3))
def test_zero_usage_costs_nothing_or_exactly_the_request_fee(model: Model, requests: int) -> None:
    charge = pricing.price(model, Usage(requests=requests))
    fee_rate = model.prices[-1].requests
    if fee_rate is None or requests == 0:
        assert charge.final_amount == 0 and charge.line_items == ()
    else:
        assert [item.key for item in charge.line_items] == ["requests"]
        assert charge.provider_amount == -(-requests * fee_rate.num // fee_rate.den)


@given(model=models, a=usages(max_input=499), b=usages(max_input=499))
def test_splitting_usage_changes_the_total_by_at_most_the_line_count(model: Model, a: Usage, b: Usage) -> None:
    # a, b and a + b stay below every tier threshold (the lowest is 1,000, in the synthetic model): no cliff
    assert all(tier.above_input_tokens >= 1_000 for m in ALL_TOKEN_MODELS for s in m.prices for tier in s.tiers)
    whole = pricing.price(model, a + b).provider_amount
    parts = pricing.price(model, a).provider_amount + pricing.price(model, b).provider_amount
    lines = len(pricing.price(model, a + b).line_items)
    assert abs(whole - parts) <= lines
    assert whole <= parts  # rounding up twice never charges less than rounding up once


@given(model=models, usage=usages(), authorized=st.integers(0, 10**9))
def test_settle_never_exceeds_the_authorized_maximum(model: Model, usage: Usage, authorized: int) -> None:
    settled = pricing.settle(model, usage, authorized)
    assert 0 <= settled.amount <= authorized
    assert settled.amount + settled.uncollected == settled.charge.final_amount
    assert settled.capped == (settled.charge.final_amount > authorized)


@given(model=models, usage=usages())
def test_result_does_not_depend_on_the_ambient_decimal_context(model: Model, usage: Usage) -> None:
    reference = pricing.price(model, usage)
    with decimal.localcontext() as context:
        context.prec = 2
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        assert pricing.price(model, usage) == reference


def test_tier_boundary_is_a_strict_cliff() -> None:
    model = pricing.get_model("gemini-2.5-pro")
    at_threshold = pricing.price(model, {"input_tokens": 200_000, "output_tokens": 1000})
    above = pricing.price(model, {"input_tokens": 200_001, "output_tokens": 1000})
    assert [item.unit_price_usd for item in at_threshold.line_items] == [decimal.Decimal("1.25"), decimal.Decimal(10)]
    assert [item.unit_price_usd for item in above.line_items] == [decimal.Decimal("2.5"), decimal.Decimal(15)]
    assert at_threshold.provider_amount == 250_000 + 10_000
    assert above.provider_amount == 500_003 + 15_000  # every token of the request at the tier price


def test_platform_fee_default_comes_from_the_catalog() -> None:
    assert pricing.price("gpt-4.1", {"input_tokens": 1}).fee_bps == PLATFORM_FEE_BPS == 100
