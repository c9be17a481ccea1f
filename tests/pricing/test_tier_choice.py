"""Tiered token prices: a prompt is priced at the rates of the highest tier whose threshold it is strictly above
(a cliff: every token of the request at that tier's rates), at the base rates when it is above none. With two or
more tiers each keeps its own rates, in the amounts and in the unit price each line states on the receipt."""

from __future__ import annotations

import pytest

import pricing
from generated.catalog import Tier
from tests.pricing import records as r

THREE_RATES = r.model("three-rates", r.price_set(tokens=r.tokens("1", output="10"),
                                                   tiers=(Tier(1_000, r.tokens("2", output="20")),
                                                          Tier(5_000, r.tokens("3", output="30")))))


@pytest.mark.parametrize(("prompt", "input_rate", "output_rate"), [
    (1_000, 1, 10),   # at the first threshold: not above it, base rates
    (1_001, 2, 20),   # above the first only
    (5_000, 2, 20),   # at the second threshold: still the first tier
    (5_001, 3, 30),   # above both: the highest tier
    (1_000_000, 3, 30),
])
def test_a_prompt_is_priced_at_the_highest_tier_it_is_above(prompt: int, input_rate: int, output_rate: int) -> None:
    charge = pricing.price(THREE_RATES, {"input_tokens": prompt, "output_tokens": 1_000_000})
    lines = {item.key: (item.amount, item.unit_price_usd) for item in charge.line_items}
    assert lines == {"input_tokens": (prompt * input_rate, input_rate),  # the receipt states the rate it applied
                     "output_tokens": (output_rate * 1_000_000, output_rate)}
