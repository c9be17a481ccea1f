"""Every usage field refuses what is not a count of its kind, whichever way usage arrives (a dict of token counts,
any mapping, a Usage), with one message naming the field; and the bounds of a duration hold at their edges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import pricing
from pricing import InvalidUsage, Usage
from pricing.usage import COUNT_FIELDS, SECONDS_FIELDS

TOKENS = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")
# a model that prices every token field, so that a valid count is always priced
MODEL = "claude-sonnet-4-5"


def _refused(usage: Any) -> str:
    with pytest.raises(InvalidUsage) as raised:
        pricing.price(MODEL, usage)
    return str(raised.value)


@pytest.mark.parametrize("field", COUNT_FIELDS)
@pytest.mark.parametrize("value", [-1, -2, 1.5, True, "1", None, Decimal("-1"), Decimal("NaN"), Decimal("Infinity")])
def test_a_count_is_a_non_negative_int(field: str, value: Any) -> None:
    if field in SECONDS_FIELDS and type(value) is Decimal and value.is_finite() and value >= 0:
        return
    kind = "a non-negative int or finite Decimal" if field in SECONDS_FIELDS else "a non-negative int"
    if field not in SECONDS_FIELDS and type(value) is Decimal:
        kind = "a non-negative int"
    message = f"usage field {field!r} must be {kind}, got {value!r} ({type(value).__name__})"
    assert _refused({field: value}) == message
    assert _refused(Usage(**{field: value})) == message
    assert _refused({field: value, "image_size": None}) == message  # not a dict of token counts alone


@pytest.mark.parametrize("field", TOKENS)
def test_one_negative_token_count_among_valid_ones_is_named(field: str) -> None:
    """The fast path takes a dict of token counts only if none is negative, whatever the others are."""
    usage = dict.fromkeys(TOKENS, 1) | {"input_tokens": 3, field: -2}
    assert _refused(usage) == f"usage field {field!r} must be a non-negative int, got -2 (int)"
    assert _refused(Usage(**usage)) == f"usage field {field!r} must be a non-negative int, got -2 (int)"


@pytest.mark.parametrize("field", ["image_size", "image_quality", "video_resolution"])
def test_a_media_parameter_is_a_non_empty_string(field: str) -> None:
    for value in ("", 5):
        message = f"usage field {field!r} must be a non-empty string, got {value!r}"
        assert _refused({field: value}) == message
        assert _refused(Usage(**{field: value})) == message


@pytest.mark.parametrize("field", sorted(SECONDS_FIELDS))
def test_a_duration_has_at_most_twelve_digits_before_the_point_and_twelve_after(field: str) -> None:
    model = "whisper-1" if field == "audio_seconds" else "sora-2"
    for seconds in (Decimal(0), Decimal("0.000000000001"), Decimal("999999999999"), Decimal("999999999999.999999999999")):
        assert pricing.price(model, Usage(**{field: seconds})).final_amount >= 0
    for seconds in (Decimal("1e12"), Decimal("0.0000000000001")):
        with pytest.raises(InvalidUsage) as raised:
            pricing.price(model, {field: seconds})
        assert str(raised.value) == (f"usage field {field!r} must be under 10^12 seconds with at most 12 decimals, got "
                                     f"{seconds!r}")


def test_valid_usage_passes_whichever_way_it_comes() -> None:
    counts = {"input_tokens": 10, "cached_input_tokens": 3, "cache_write_tokens": 2, "output_tokens": 5,
              "reasoning_tokens": 5}
    expected = pricing.price(MODEL, counts)
    assert pricing.price(MODEL, Usage(**counts)) == expected
    assert pricing.price(MODEL, {**counts, "requests": 1}) == expected
    assert pricing.price(MODEL, {**counts, "images": 0, "characters": 0, "searches": 0, "audio_seconds": 0,
                                 "video_seconds": Decimal(0)}) == expected
    zero = pricing.price(MODEL, dict.fromkeys(TOKENS, 0))
    assert zero.final_amount == 0 and zero.line_items == ()


def test_contradictions_are_named_with_their_counts_however_usage_comes() -> None:
    for usage in ({"input_tokens": 4, "cached_input_tokens": 3, "cache_write_tokens": 2},
                  Usage(input_tokens=4, cached_input_tokens=3, cache_write_tokens=2)):
        assert _refused(usage) == ("cached_input_tokens (3) + cache_write_tokens (2) exceed input_tokens (4); "
                                   "input_tokens counts every prompt token, cache included")
    for usage in ({"output_tokens": 4, "reasoning_tokens": 5}, Usage(output_tokens=4, reasoning_tokens=5)):
        assert _refused(usage) == ("reasoning_tokens (5) exceed output_tokens (4); output_tokens counts every "
                                   "completion token, reasoning included")


def test_usages_add_field_by_field_and_keep_the_parameter_either_names() -> None:
    both = Usage(input_tokens=1, video_seconds=Decimal("1.5")) + Usage(output_tokens=2, video_resolution="720p")
    assert both == Usage(input_tokens=1, output_tokens=2, video_seconds=Decimal("1.5"), video_resolution="720p",
                         requests=2)
    assert (Usage(image_quality="hd") + Usage(image_quality="hd")).image_quality == "hd"


@pytest.mark.parametrize("floats", range(1, 6))
def test_token_counts_of_one_other_type_are_refused_not_computed_with(floats: int) -> None:
    """Floats in the first fields and ints after them: the fast path's type check sees the change of type."""
    usage = {field: (2.0 if index < floats else 0) for index, field in enumerate(TOKENS)}
    assert _refused(usage) == "usage field 'input_tokens' must be a non-negative int, got 2.0 (float)"
