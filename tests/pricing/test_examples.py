"""Documented examples and every error the engine raises on purpose, with its message."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

import pricing
from pricing import InvalidArgument, InvalidUsage, LineItem, UnknownModel, UnpricedUsage, Usage
from tests.pricing import records as r


def test_docs_example_1000_tokens_at_1_25_per_million() -> None:
    # compose-contract §7.2: 1000 tokens at $1.25 per 1M → amount 1250, fee 13, final 1263
    charge = pricing.price("gemini-2.5-pro", {"input_tokens": 1000})
    assert charge.line_items == (LineItem("input_tokens", "usd_per_1m_tokens", 1000, Decimal("1.25"), 1250),)
    assert (charge.provider_amount, charge.platform_fee, charge.final_amount) == (1250, 13, 1263)
    assert charge.subject == "google:gemini-2.5-pro"


def test_issue_example_gpt_4_1_with_cached_tokens() -> None:
    charge = pricing.price("gpt-4.1", {"input_tokens": 1000, "cached_input_tokens": 200, "output_tokens": 50})
    assert [(item.key, item.quantity, item.amount) for item in charge.line_items] == [
        ("cached_input_tokens", 200, 100),  # $0.50 per 1M: cached tokens are not billed again as input
        ("input_tokens", 800, 1600),
        ("output_tokens", 50, 400),
    ]
    assert (charge.provider_amount, charge.platform_fee, charge.final_amount) == (2100, 21, 2121)


def test_alias_typed_usage_and_model_record_give_the_same_charge() -> None:
    usage = Usage(input_tokens=123_456, output_tokens=789)
    by_id = pricing.price("gpt-4.1", usage)
    assert pricing.price("openai/gpt-4.1", usage) == by_id
    assert pricing.price(pricing.get_model("gpt-4.1"), dict(usage._asdict())) == by_id


def test_anthropic_cache_writes_and_reads() -> None:
    charge = pricing.price("claude-sonnet-4-5", {"input_tokens": 10_000, "cached_input_tokens": 6_000,
                                                "cache_write_tokens": 3_000, "output_tokens": 500})
    assert [(i.key, i.quantity, i.unit_price_usd, i.amount) for i in charge.line_items] == [
        ("cached_input_tokens", 6_000, Decimal("0.3"), 1_800),
        ("cache_write_tokens", 3_000, Decimal("3.75"), 11_250),
        ("input_tokens", 1_000, Decimal("3"), 3_000),
        ("output_tokens", 500, Decimal("15"), 7_500),
    ]


def test_reasoning_priced_apart_only_when_the_model_prices_it() -> None:
    separate = r.model("reasoner", r.price_set(tokens=r.tokens("1", output="4", reasoning="10")))
    assert [(i.key, i.quantity) for i in pricing.price(separate, {"output_tokens": 100, "reasoning_tokens": 60}).line_items] \
        == [("reasoning_tokens", 60), ("output_tokens", 40)]
    included = pricing.price("gpt-4.1", {"output_tokens": 100, "reasoning_tokens": 60})
    assert [(i.key, i.quantity) for i in included.line_items] == [("output_tokens", 100)]


def test_price_history_reprices_past_requests() -> None:
    usage = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    before = pricing.price("o3", usage, at=datetime(2025, 6, 9, 23, 59, 59, tzinfo=UTC))
    after = pricing.price("o3", usage, at=datetime(2025, 6, 10, tzinfo=UTC))
    assert before.provider_amount == 50_000_000 and after.provider_amount == 10_000_000
    assert pricing.price("o3", usage) == after  # no `at`: the newest price set


def test_images_by_size_and_quality() -> None:
    assert pricing.price("dall-e-3", {"images": 1}).provider_amount == 40_000  # the default option
    assert pricing.price("dall-e-3", {"images": 2, "image_size": "1792x1024", "image_quality": "hd"}
                         ).line_items == (LineItem("images", "usd_per_image", 2, Decimal("0.12"), 240_000),)
    assert pricing.price("dall-e-3", {"images": 1, "image_quality": "hd"}).provider_amount == 80_000  # size: default


def test_speech_transcription_and_video() -> None:
    assert pricing.price("tts-1", {"characters": 1000}).provider_amount == 15_000
    assert pricing.price("whisper-1", {"audio_seconds": 90}).provider_amount == 9_000  # $0.006 per minute
    assert pricing.price("whisper-1", {"audio_seconds": Decimal("7.3")}).provider_amount == 730
    assert pricing.price("sora-2", {"video_seconds": 8, "video_resolution": "1280x720"}).provider_amount == 800_000
    assert pricing.price("whisper-large-v3", {"audio_seconds": 7}).provider_amount == 216  # $0.111/h: 215.83… up


def test_free_model_costs_zero_with_no_lines() -> None:
    free = r.model("free-model", r.price_set(free=True))
    charge = pricing.price(free, {"input_tokens": 10, "output_tokens": 10})
    assert (charge.line_items, charge.final_amount) == ((), 0)


def test_unknown_model() -> None:
    with pytest.raises(UnknownModel, match=r"^unknown model 'gpt-9': no model or alias of the catalog has this id$"):
        pricing.price("gpt-9", {"input_tokens": 1})
    with pytest.raises(UnknownModel):
        pricing.get_model(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(("usage", "message"), [
    ({"input_tokens": 10, "cached_input_tokens": 8, "cache_write_tokens": 3},
     "cached_input_tokens (8) + cache_write_tokens (3) exceed input_tokens (10); input_tokens counts every prompt "
     "token, cache included"),
    ({"output_tokens": 5, "reasoning_tokens": 6},
     "reasoning_tokens (6) exceed output_tokens (5); output_tokens counts every completion token, reasoning included"),
    ({"input_tokens": -1}, "usage field 'input_tokens' must be a non-negative int, got -1 (int)"),
    ({"input_tokens": 1.0}, "usage field 'input_tokens' must be a non-negative int, got 1.0 (float)"),
    ({"input_tokens": True}, "usage field 'input_tokens' must be a non-negative int, got True (bool)"),
    ({"audio_seconds": 1.5}, "usage field 'audio_seconds' must be a non-negative int or finite Decimal, got 1.5 (float)"),
    ({"audio_seconds": Decimal("NaN")},
     "usage field 'audio_seconds' must be a non-negative int or finite Decimal, got Decimal('NaN') (Decimal)"),
    ({"prompt_tokens": 5}, "unknown usage field 'prompt_tokens'; allowed fields: input_tokens, cached_input_tokens, "
     "cache_write_tokens, output_tokens, reasoning_tokens, images, image_size, image_quality, characters, "
     "audio_seconds, video_seconds, video_resolution, requests, searches"),
    ({"image_size": ""}, "usage field 'image_size' must be a non-empty string, got ''"),
])
def test_invalid_usage(usage: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidUsage) as raised:
        pricing.price("gpt-4.1", usage)
    assert str(raised.value) == message


def test_invalid_usage_types() -> None:
    with pytest.raises(InvalidUsage, match="usage must be a Usage or a mapping, got list"):
        pricing.price("gpt-4.1", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidUsage, match="'input_tokens' must be a non-negative int"):
        pricing.price("gpt-4.1", Usage(input_tokens=-3))


@pytest.mark.parametrize(("model", "usage", "message"), [
    ("dall-e-3", {"images": 1, "image_size": "512x512"},
     "dall-e-3 does not offer images with size='512x512', quality='standard'; offered (size × quality): "
     "1024x1024×standard, 1024x1792×standard, 1792x1024×standard, 1024x1024×hd, 1024x1792×hd, 1792x1024×hd"),
    ("dall-e-2", {"images": 1, "image_quality": "hd"},
     "dall-e-2 prices images by size, not by quality (got quality='hd')"),
    ("sora-2", {"video_seconds": 4, "video_resolution": "4k"},
     "sora-2 does not offer video with resolution='4k'; offered (resolution): 720x1280, 1280x720"),
])
def test_media_options_the_model_does_not_offer(model: str, usage: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidUsage) as raised:
        pricing.price(model, usage)
    assert str(raised.value) == message


@pytest.mark.parametrize(("model", "usage", "message"), [
    ("text-embedding-3-small", {"input_tokens": 5, "output_tokens": 3},
     "text-embedding-3-small has no price for output_tokens (3): the model has no output token price; never priced "
     "as zero"),
    ("dall-e-3", {"input_tokens": 5}, "dall-e-3 has no price for input_tokens (5): the model has no token prices; "
     "never priced as zero"),
    ("gpt-4.1", {"images": 1}, "gpt-4.1 has no price for images (1): the model has no per-image price; never priced "
     "as zero"),
    ("gpt-4.1", {"characters": 9}, "gpt-4.1 has no price for characters (9): the model has no per-character price; "
     "never priced as zero"),
    ("gpt-4.1", {"audio_seconds": 9}, "gpt-4.1 has no price for audio_seconds (9): the model has no audio-duration "
     "price; never priced as zero"),
    ("gpt-4.1", {"video_seconds": 9}, "gpt-4.1 has no price for video_seconds (9): the model has no per-second video "
     "price; never priced as zero"),
])
def test_unpriced_quantities_are_errors_never_zero(model: str, usage: dict[str, object], message: str) -> None:
    with pytest.raises(UnpricedUsage) as raised:
        pricing.price(model, usage)
    assert str(raised.value) == message


def test_input_tokens_without_an_input_price() -> None:
    output_only = r.model("output-only", r.price_set(tokens=r.tokens(output="1")))
    with pytest.raises(UnpricedUsage, match="no price for input_tokens"):
        pricing.price(output_only, {"input_tokens": 1})


def test_price_before_the_first_price_set_and_naive_times() -> None:
    late = r.model("late", r.price_set(effective_from=datetime(2025, 3, 1, tzinfo=UTC), tokens=r.tokens("1", output="1")))
    with pytest.raises(UnpricedUsage, match="late has no price in force at 2025-02-01T00:00:00"):
        pricing.price(late, {"input_tokens": 1}, at=datetime(2025, 2, 1, tzinfo=UTC))
    with pytest.raises(InvalidArgument, match="timezone-aware"):
        pricing.price("o3", {"input_tokens": 1}, at=datetime(2025, 2, 1))


def test_usage_addition() -> None:
    total = Usage(input_tokens=1, image_size="1024x1024") + Usage(input_tokens=2, images=1)
    assert (total.input_tokens, total.images, total.image_size, total.requests) == (3, 1, "1024x1024", 2)
    with pytest.raises(InvalidUsage, match="different image_size"):
        Usage(image_size="a") + Usage(image_size="b")
    assert Usage().__add__(3) is NotImplemented
