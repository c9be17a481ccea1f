"""Each maximum is the least safe bound, not merely a bound: every field of the quote is pinned, the worst usage within
its limits costs it exactly (up to the rounding slack, which is pinned too), and every limit is exact at its edge."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import orjson
import pytest

import pricing
from generated.catalog import Tier
from pricing import InsufficientBudget, MaxQuote, NotQuotable, Usage
from pricing.bounds import (
    FILE_TOKENS,
    IMAGE_TOKENS,
    MESSAGE_OVERHEAD,
    PART_OVERHEAD,
    REQUEST_OVERHEAD,
    chat_prompt_bound,
    rerank_search_bound,
)
from pricing.quotes import TOKEN_LINES
from tests.pricing import records as r

CHAT = {"messages": [{"role": "user", "content": "hi"}]}
SLACK = TOKEN_LINES - 1  # each of five token lines rounds up by less than one unit


def test_a_chat_maximum_is_the_prompt_and_the_output_limit_at_the_dearest_rates() -> None:
    """gpt-4.1: $2 input, $0.50 cached, $8 output per 1M tokens: every prompt token at $2, every output token at $8."""
    body = {**CHAT, "max_tokens": 100}
    prompt = chat_prompt_bound(body)
    provider = prompt * 2 + 100 * 8 + SLACK
    fee = -(-provider * 100 // 10_000)
    assert pricing.quote_max("gpt-4.1", body, "chat") == MaxQuote("gpt-4.1", "chat", provider + fee, provider, fee,
                                                                  prompt, 100)
    assert pricing.quote_max("gpt-4.1", body, "chat", fee_bps=0) == MaxQuote("gpt-4.1", "chat", provider, provider, 0,
                                                                             prompt, 100)
    worst = pricing.price("gpt-4.1", Usage(input_tokens=prompt, output_tokens=100))
    assert worst.provider_amount == provider - SLACK  # what the slack covers is rounding, nothing more


def test_the_dearest_rate_is_found_whatever_the_order_of_the_rates() -> None:
    """Input at $1.50 per 1M (3/2 units a token) and cache writes at $2: the cache-write rate is the dearest, though
    its numerator is the smaller."""
    model = r.model("writes-dearest", r.price_set(tokens=r.tokens("1.5", cache_write="2", output="0.5",
                                                                  reasoning="0.7")))
    body = {**CHAT, "max_tokens": 10}
    prompt = chat_prompt_bound(body)
    assert pricing.quote_max(model, body, "chat").provider_amount == prompt * 2 + 7 + SLACK  # reasoning: 10 × 7/10


def test_the_maximum_of_n_choices_multiplies_the_output_only() -> None:
    body = {**CHAT, "max_tokens": 10, "n": 3}
    prompt = chat_prompt_bound(body)
    assert pricing.quote_max("gpt-4.1", body, "chat").provider_amount == prompt * 2 + 3 * 10 * 8 + SLACK
    embeddings = pricing.quote_max("text-embedding-3-small", {"input": [1, 2, 3]}, "embeddings")
    assert (embeddings.prompt_tokens, embeddings.output_tokens, embeddings.provider_amount) == (3, 0, 1 + SLACK)


def test_a_tier_counts_only_when_the_prompt_bound_is_strictly_above_it() -> None:
    tiered = r.model("tiered", r.price_set(tokens=r.tokens("1", output="2"), tiers=(Tier(10, r.tokens("5", output="7")),)),
                     operations=("embeddings",))
    at = pricing.quote_max(tiered, {"input": list(range(10))}, "embeddings")
    above = pricing.quote_max(tiered, {"input": list(range(11))}, "embeddings")
    assert (at.prompt_tokens, at.provider_amount) == (10, 10 * 1 + SLACK)
    assert (above.prompt_tokens, above.provider_amount) == (11, 11 * 5 + SLACK)


def test_a_request_priced_maximum_is_the_exact_charge() -> None:
    exact = pricing.quote_exact("dall-e-3", {"prompt": "x", "n": 2}, "images", fee_bps=0)
    assert pricing.quote_max("dall-e-3", {"prompt": "x", "n": 2}, "images", fee_bps=0) == MaxQuote(
        "dall-e-3", "images", exact.final_amount, exact.provider_amount, 0, 0, 0)
    charged = pricing.quote_exact("dall-e-3", {"prompt": "x", "n": 2}, "images")
    assert pricing.quote_max("dall-e-3", {"prompt": "x", "n": 2}, "images") == MaxQuote(
        "dall-e-3", "images", charged.final_amount, charged.provider_amount, charged.platform_fee, 0, 0)


def test_a_transcription_maximum_is_the_longest_audio_at_its_rate() -> None:
    """whisper-1: $0.006 a minute is 100 units a second; with a per-request fee, the fee is added once."""
    quote = pricing.quote_max("whisper-1", {}, "transcription", audio_seconds=90)
    assert quote == MaxQuote("whisper-1", "transcription", 9_000 + 90, 9_000, 90, 0, 0)
    assert all(type(value) is int for value in quote[2:])
    assert pricing.quote_max("whisper-1", {}, "transcription", audio_seconds=Decimal("0.001")).provider_amount == 1
    with_fee = r.model("fee", r.price_set(audio=r.rate("0.006", "usd_per_minute"),
                                          requests=r.rate("2", "usd_per_1k_requests")), operations=("transcription",))
    assert pricing.quote_max(with_fee, {}, "transcription", audio_seconds=60, fee_bps=0) == MaxQuote(
        "fee", "transcription", 6_000 + 2_000, 6_000 + 2_000, 0, 0, 0)
    with pytest.raises(InsufficientBudget) as raised:
        pricing.quote_max("whisper-1", {}, "transcription", audio_seconds=90, budget=9_089)
    assert (str(raised.value), raised.value.required) == (
        "whisper-1: this transcription request can cost up to 9090, above the budget of 9089", 9_090)
    assert pricing.quote_max("whisper-1", {}, "transcription", audio_seconds=90, budget=9_090).amount == 9_090


def test_a_settlement_records_the_maximum_it_was_capped_at() -> None:
    usage = {"input_tokens": 1_000, "output_tokens": 1_000}
    capped = pricing.settle("gpt-4.1", usage, 5_000)
    assert capped == pricing.Settlement(pricing.price("gpt-4.1", usage), 5_000, 5_000, 10_100 - 5_000)
    assert pricing.settle("gpt-4.1", usage, 10_100) == pricing.Settlement(pricing.price("gpt-4.1", usage), 10_100,
                                                                         10_100, 0)


def test_a_free_model_holds_nothing() -> None:
    free = r.model("free", r.price_set(free=True), operations=("chat", "embeddings"))
    assert pricing.quote_max(free, {**CHAT, "max_tokens": 10}, "chat") == MaxQuote("free", "chat", 0, 0, 0, 0, 0)
    assert pricing.quote_max(free, {"input": "x"}, "embeddings", budget=0) == MaxQuote("free", "embeddings", 0, 0, 0,
                                                                                        0, 0)


def test_a_rerank_maximum_is_its_searches_its_tokens_and_its_request_fee() -> None:
    model = r.model("rerank-all", r.price_set(searches=r.rate("2", "usd_per_1k_searches"), tokens=r.tokens("1"),
                                              requests=r.rate("1", "usd_per_1k_requests")), operations=("rerank",))
    ask = {"query": "q", "documents": ["d"]}
    tokens = REQUEST_OVERHEAD + 1 + 1 + 2 * PART_OVERHEAD
    provider = 1_000 + 2_000 + tokens + SLACK
    assert pricing.quote_max(model, ask, "rerank", fee_bps=0) == MaxQuote("rerank-all", "rerank", provider, provider, 0,
                                                                          tokens, 0)
    searches_only = r.model("s", r.price_set(searches=r.rate("2", "usd_per_1k_searches"),
                                             requests=r.rate("1", "usd_per_1k_requests")), operations=("rerank",))
    assert pricing.quote_max(searches_only, ask, "rerank", fee_bps=0).provider_amount == 1_000 + 2_000


def test_a_search_unit_counts_every_started_chunk_of_each_document() -> None:
    """A document of 1,000 bytes with a one-byte query is 1,001 tokens at most: three chunks of 500."""
    assert rerank_search_bound({"query": "q", "documents": ["x" * 1_000] * 33}) == 1  # 99 chunks
    assert rerank_search_bound({"query": "q", "documents": ["x" * 1_000] * 34}) == 2  # 102 chunks
    assert type(rerank_search_bound({"query": "q", "documents": ["x" * 1_000]})) is int


def test_the_fitted_output_limit_is_exactly_the_largest_whose_maximum_fits() -> None:
    body = {**CHAT, "max_tokens": 5_000}
    for tokens in (1, 2, 3, 10, 499, 500, 501, 4_999):
        budget = pricing.quote_max("gpt-4.1", {**body, "max_tokens": tokens}, "chat").amount
        fitted = pricing.quote_max("gpt-4.1", body, "chat", budget=budget)
        assert (fitted.output_tokens, fitted.amount) == (tokens, budget)
    with pytest.raises(InsufficientBudget) as raised:
        pricing.quote_max("text-embedding-3-small", {"input": "abc"}, "embeddings", budget=0)
    assert str(raised.value) == "text-embedding-3-small: this embeddings request can cost up to 6, above the budget of 0"


def test_the_platform_fee_of_a_maximum_rounds_up_once_on_the_whole() -> None:
    body = {**CHAT, "max_tokens": 32_768, "n": 8}
    quote = pricing.quote_max("gpt-4.1", body, "chat", fee_bps=250)
    assert quote.provider_amount > 2_000_000  # large enough for a wrong divisor to show
    assert quote.platform_fee == math.ceil(Fraction(quote.provider_amount * 250, 10_000))
    assert all(type(value) is int for value in quote[2:])
    whole = pricing.quote_max("gpt-4.1", body, "chat", fee_bps=10_000)
    assert whole.platform_fee == whole.provider_amount and whole.amount == 2 * whole.provider_amount


def test_a_window_that_the_prompt_fills_leaves_an_output_limit_of_one() -> None:
    small = r.model("small", r.price_set(tokens=r.tokens("1", output="2")), max_output_tokens=None, context_window=40)
    body = {"messages": [{"role": "user", "content": "x" * 100}]}
    assert pricing.quote_max(small, body, "chat").output_tokens == 1


@pytest.mark.parametrize(("value", "accepted"), [("000000000000000001", 1), ("0000000000000000001", None)])
def test_a_numeric_string_counts_up_to_eighteen_digits(value: str, accepted: int | None) -> None:
    body = {"prompt": "x", "seconds": value}
    if accepted is None:
        with pytest.raises(NotQuotable, match=f"^`seconds` must be a positive integer ≤ 3600, got '{value}'$"):
            pricing.usage_from_request("sora-2", body, "video")
    else:
        assert pricing.usage_from_request("sora-2", body, "video").video_seconds == accepted


def test_auto_holds_the_dearest_option_by_value() -> None:
    """7/10 of a unit is less than 2 units, though 7 is more than 2: options are compared by value."""
    model = r.model("sub-unit", r.price_set(images=r.media(("size",), "usd_per_image", (("1x1",), "0.0000007"),
                                                           (("2x2",), "0.000002"))), operations=("images",))
    assert pricing.usage_from_request(model, {"prompt": "x", "size": "auto"}, "images").image_size == "2x2"
    video = r.model("video", r.price_set(video=r.media(("resolution",), "usd_per_second", (("720p",), "0.1"),
                                                       (("1080p",), "0.3"))), operations=("video",))
    assert pricing.usage_from_request(video, {"prompt": "x", "seconds": 1, "size": "auto"}, "video") == Usage(
        video_seconds=1, video_resolution="1080p")


def test_usage_priced_work_has_no_exact_quote_even_with_a_request_fee() -> None:
    with pytest.raises(NotQuotable, match=r"^chat is priced from the provider's measured usage"):
        pricing.quote_exact("sonar", {**CHAT, "max_tokens": 1}, "chat")


@pytest.mark.parametrize("text", ["", None, 5])
def test_speech_needs_text(text: Any) -> None:
    with pytest.raises(NotQuotable, match=r"^a speech request needs `input`: the text to speak$"):
        pricing.quote_exact("tts-1", {"input": text}, "speech")


def test_a_prompt_bound_counts_non_text_parts_at_their_floor_or_their_size() -> None:
    def bound(part: dict[str, Any]) -> int:
        return chat_prompt_bound({"messages": [{"content": [part]}]}) - REQUEST_OVERHEAD - MESSAGE_OVERHEAD

    for kind in ("image_url", "input_image", "image"):
        assert bound({"type": kind, "image_url": "u"}) == IMAGE_TOKENS + PART_OVERHEAD
        big = {"type": kind, "image_url": "data:image/png;base64," + "A" * 10_000}
        assert bound(big) == len(orjson.dumps(big)) + PART_OVERHEAD
    for part in ({"type": "file", "file": {"file_data": "AAAA"}}, {"type": "input_file", "file_data": "AAAA"},
                 {"type": "document", "file_data": "AAAA"}):
        assert bound(part) == FILE_TOKENS + PART_OVERHEAD
        big = {**part, "file_data": "A" * 40_000}
        assert bound(big) == len(orjson.dumps(big)) + PART_OVERHEAD
    for kind in ("text", "input_text", "output_text"):
        assert bound({"type": kind, "text": "héllo"}) == 6 + PART_OVERHEAD
    audio = {"type": "input_audio", "input_audio": {"data": "AAAA"}, "text": "a transcript"}
    assert bound(audio) == len(orjson.dumps(audio)) + PART_OVERHEAD  # any other part: its JSON, whatever it carries
