"""A reference implementation of the pricing rule in plain Fraction math, kept apart from the engine.

It reads prices from their decimal strings and unit names (not from the compiled num/den), so it checks the
compiler's rates and the engine's arithmetic together.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from catalog_build.units import scale
from generated.catalog import Model, PriceSet, Rate
from pricing.usage import Usage


def exact(quantity: int | Decimal, rate: Rate) -> Fraction:
    """quantity × USD price × 10^6 / scale(unit): the unrounded cost in atomic units."""
    return Fraction(quantity) * Fraction(str(rate.usd)) * 10**6 / scale(rate.unit).per


def lines(price_set: PriceSet, usage: Usage) -> list[tuple[str, Fraction]]:
    """(key, exact cost) per line, in the documented split; assumes every needed price exists."""
    out: list[tuple[str, Fraction]] = []
    token_set = price_set.tokens
    for tier in price_set.tiers:
        if usage.input_tokens > tier.above_input_tokens:
            token_set = tier.rates
    if token_set is not None:
        rest_in, rest_out = usage.input_tokens, usage.output_tokens
        if usage.cached_input_tokens and token_set.cached_input:
            out.append(("cached_input_tokens", exact(usage.cached_input_tokens, token_set.cached_input)))
            rest_in -= usage.cached_input_tokens
        if usage.cache_write_tokens and token_set.cache_write:
            out.append(("cache_write_tokens", exact(usage.cache_write_tokens, token_set.cache_write)))
            rest_in -= usage.cache_write_tokens
        if rest_in:
            assert token_set.input
            out.append(("input_tokens", exact(rest_in, token_set.input)))
        if usage.reasoning_tokens and token_set.reasoning:
            out.append(("reasoning_tokens", exact(usage.reasoning_tokens, token_set.reasoning)))
            rest_out -= usage.reasoning_tokens
        if rest_out:
            assert token_set.output
            out.append(("output_tokens", exact(rest_out, token_set.output)))
    if usage.requests and price_set.requests:
        out.append(("requests", exact(usage.requests, price_set.requests)))
    return out


def final_amount(model: Model, usage: Usage, fee_bps: int) -> tuple[int, Fraction]:
    """(final amount by the documented rule, exact unrounded provider cost) for the newest price set."""
    items = lines(model.prices[-1], usage)
    provider = sum(math.ceil(cost) for _, cost in items)
    fee = math.ceil(Fraction(provider * fee_bps, 10_000))
    return provider + fee, sum((cost for _, cost in items), Fraction(0))
