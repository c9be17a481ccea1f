"""The engine's arguments besides usage (at, fee_bps, budget, authorized_max) and hostile sizes: a result or a
PricingError, never another exception, never a float in money, never minutes of CPU."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pricing
from pricing import InvalidArgument, InvalidUsage, NotQuotable, PricingError, UnknownModel, UnpricedUsage

USAGE = {"input_tokens": 1000}
BODY = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10}
BAD_FEES = [150.7, float("nan"), float("inf"), Decimal("1.5"), -1, 10_001, "100", True]
BAD_AMOUNTS = [-1, 1.5, True, "5", Decimal(5), float("nan")]
BAD_TIMES = [datetime(2025, 2, 1), "2025-02-01", 1_738_368_000, date(2025, 2, 1)]


@pytest.mark.parametrize("fee", BAD_FEES)
def test_a_fee_is_an_int_of_basis_points_everywhere(fee: Any) -> None:
    calls = [lambda: pricing.price("gpt-4.1", USAGE, fee_bps=fee),
             lambda: pricing.quote_max("gpt-4.1", BODY, "chat", fee_bps=fee),
             lambda: pricing.quote_exact("dall-e-3", {"prompt": "x"}, "images", fee_bps=fee),
             lambda: pricing.settle("gpt-4.1", USAGE, 10**6, fee_bps=fee)]
    for call in calls:
        with pytest.raises(InvalidArgument, match="fee_bps must be an int from 0 to 10000"):
            call()


@pytest.mark.parametrize("at", BAD_TIMES)
@pytest.mark.parametrize("model", ["gpt-4.1", "o3"])
def test_at_is_an_aware_datetime_whatever_the_model(at: Any, model: str) -> None:
    with pytest.raises(InvalidArgument, match="timezone-aware datetime"):
        pricing.price(model, USAGE, at=at)


@pytest.mark.parametrize("value", BAD_AMOUNTS)
def test_budgets_and_authorized_maxima_are_ints_of_atomic_units(value: Any) -> None:
    with pytest.raises(InvalidArgument, match="authorized_max must be a non-negative int"):
        pricing.settle("gpt-4.1", USAGE, value)
    with pytest.raises(InvalidArgument, match="budget must be a non-negative int"):
        pricing.quote_max("gpt-4.1", BODY, "chat", budget=value)
    assert issubclass(InvalidArgument, ValueError)  # callers that caught ValueError still do


def test_integers_too_long_to_print_are_described_not_printed() -> None:
    huge = 10**5000
    cases: list[tuple[type[PricingError], Any]] = [
        (InvalidUsage, lambda: pricing.price("gpt-4.1", {"input_tokens": -huge})),
        (InvalidUsage, lambda: pricing.price("gpt-4.1", {"input_tokens": huge, "cached_input_tokens": huge + 1})),
        (UnpricedUsage, lambda: pricing.price("gpt-4.1", {"images": huge})),
        (UnknownModel, lambda: pricing.price(huge, {})),  # type: ignore[arg-type]
        (NotQuotable, lambda: pricing.quote_max("gpt-4.1", {**BODY, "max_tokens": -huge}, "chat")),
    ]
    for error, call in cases:
        with pytest.raises(error, match="an integer of 16610 bits"):
            call()


@pytest.mark.parametrize("seconds", [Decimal("1e99999999"), Decimal("1e-999999"), Decimal("1e12")])
def test_durations_are_bounded_before_exact_arithmetic(seconds: Decimal) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidUsage, match="must be under 10"):
        pricing.price("whisper-1", {"audio_seconds": seconds})
    with pytest.raises(InvalidUsage, match="must be under 10"):
        pricing.quote_max("whisper-1", {}, "transcription", audio_seconds=seconds)
    assert time.perf_counter() - started < 0.1  # before: 260 s for the first one
    assert pricing.price("whisper-1", {"audio_seconds": Decimal("1e11")}).final_amount > 0


def test_a_flavor_must_be_a_name() -> None:
    with pytest.raises(InvalidUsage, match="unknown API flavor"):
        pricing.usage_from_response([], {})  # type: ignore[arg-type]


ANYTHING = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                     st.decimals(allow_nan=True), st.datetimes(), st.datetimes(timezones=st.just(UTC)), st.dates(),
                     st.lists(st.integers(), max_size=2))


@given(at=ANYTHING, fee=ANYTHING, budget=ANYTHING, maximum=ANYTHING)
@settings(max_examples=400, deadline=None)
def test_any_argument_is_a_result_or_a_pricing_error(at: Any, fee: Any, budget: Any, maximum: Any) -> None:
    calls = [lambda: pricing.price("o3", USAGE, at=at, fee_bps=fee),
             lambda: pricing.quote_max("o3", BODY, "chat", at=at, fee_bps=fee, budget=budget),
             lambda: pricing.settle("o3", USAGE, maximum, at=at, fee_bps=fee)]
    for call in calls:
        try:
            result = call()
        except PricingError:
            continue
        amounts = [result.final_amount] if isinstance(result, pricing.Charge) else [result.amount]
        assert all(type(amount) is int for amount in amounts)  # never a float or Decimal in money
