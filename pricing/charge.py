"""Charges and the one rounding rule.

    line amount     = ceil(quantity × unit_price_usd × 10^6 / scale(unit))     exact, in integers
    provider_amount = Σ line amounts
    platform_fee    = ceil(provider_amount × fee_bps / 10_000)
    final_amount    = provider_amount + platform_fee

Amounts are USDC atomic units (10^-6 USDC) as `int`. Rounding is always up (ceiling), once per line and once for
the fee; a `Rate` carries its exact atomic price as the reduced fraction num/den, so no float and no decimal
context ever touch an amount.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from generated.catalog import Rate


class LineItem(NamedTuple):
    key: str
    """The usage quantity priced: input_tokens, cached_input_tokens, output_tokens, images, audio_seconds…"""
    unit: str
    quantity: int | Decimal
    unit_price_usd: Decimal
    amount: int
    """USDC atomic units, rounded up."""


class Charge(NamedTuple):
    model: str
    """The model's public id."""
    provider: str
    line_items: tuple[LineItem, ...]
    provider_amount: int
    platform_fee: int
    final_amount: int
    fee_bps: int

    @property
    def subject(self) -> str:
        """Meter subject `{provider}:{model}`, as in Compose receipts."""
        return f"{self.provider}:{self.model}"


def ceil_div(numerator: int, denominator: int) -> int:
    """⌈numerator / denominator⌉ for a positive denominator, in integers."""
    return -(-numerator // denominator)


def line_amount(quantity: int | Decimal, rate: Rate) -> int:
    """ceil(quantity × rate) in atomic units, exactly."""
    if type(quantity) is int:
        return -(-quantity * rate.num // rate.den)
    exact = Fraction(quantity)
    return ceil_div(exact.numerator * rate.num, exact.denominator * rate.den)


_new = tuple.__new__  # builds a NamedTuple without its Python-level __new__: this is the hot path


def line(key: str, quantity: int | Decimal, rate: Rate) -> LineItem:
    if type(quantity) is int:
        return _new(LineItem, (key, rate.unit, quantity, rate.usd, -(-quantity * rate.num // rate.den)))
    return _new(LineItem, (key, rate.unit, quantity, rate.usd, line_amount(quantity, rate)))


def platform_fee(provider_amount: int, fee_bps: int) -> int:
    return -(-provider_amount * fee_bps // 10_000)



