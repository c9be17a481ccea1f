"""Rules of the engine that the catalog alone does not exercise, each stated once: synthetic price sets give the
rates no real model has (a fractional reasoning rate, media priced by time), and the edges of every limit are
pinned from both sides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

import pricing
from pricing import InsufficientBudget, InvalidUsage, NotQuotable, Usage, engine
from pricing.bounds import FILE_TOKENS, IMAGE_TOKENS, TOOLS_OVERHEAD, chat_prompt_bound
from tests.pricing import records as r

CHAT = {"messages": [{"role": "user", "content": "hi"}]}
# 0.7 USD per 1M tokens is 7/10 of an atomic unit per token: every line of it rounds
FRACTIONAL = r.model("fractional", r.price_set(tokens=r.tokens("0.3", "0.1", "0.5", "0.9", "0.7")))
SWITCH = datetime(2025, 6, 1, tzinfo=UTC)
BEFORE, AFTER = SWITCH - timedelta(microseconds=1), SWITCH

# one model for every operation whose every price changes at SWITCH (and whose `auto` size changes with them)
HISTORY = r.model(
    "history",
    r.price_set(tokens=r.tokens("1", output="2"), requests=r.rate("1", "usd_per_1k_requests"),
                images=r.media(("size",), "usd_per_image", (("1x1",), "0.01"), (("2x2",), "0.02")),
                video=r.media(("resolution",), "usd_per_second", (("720p",), "0.1")),
                characters=r.rate("10", "usd_per_1m_characters"), audio=r.rate("0.006", "usd_per_minute"),
                searches=r.rate("1", "usd_per_1k_searches")),
    r.price_set(effective_from=SWITCH, tokens=r.tokens("3", output="5"), requests=r.rate("2", "usd_per_1k_requests"),
                images=r.media(("size",), "usd_per_image", (("1x1",), "0.03"), (("3x3",), "0.05")),
                video=r.media(("resolution",), "usd_per_second", (("1080p",), "0.3")),
                characters=r.rate("30", "usd_per_1m_characters"), audio=r.rate("0.012", "usd_per_minute"),
                searches=r.rate("3", "usd_per_1k_searches")),
    operations=("chat", "embeddings", "images", "speech", "transcription", "video", "rerank"),
)


def test_the_reasoning_line_is_its_own_line_rounded_up() -> None:
    """Reasoning tokens billed at their own rate are taken out of the output tokens and rounded up on their own line,
    in the rule (engine.token_lines) and in the compiled pricer alike."""
    usage = {"input_tokens": 10, "output_tokens": 13, "reasoning_tokens": 3}
    expected = [("input_tokens", 10, 3), ("reasoning_tokens", 3, 3), ("output_tokens", 10, 9)]  # 2.1 → 3, 9
    charge = pricing.price(FRACTIONAL, usage)
    assert [(item.key, item.quantity, item.amount) for item in charge.line_items] == expected
    assert all(type(item.amount) is int for item in charge.line_items)
    rule = engine.token_lines(FRACTIONAL, FRACTIONAL.prices[-1], 10, 0, 0, 13, 3)
    assert [(item.key, item.quantity, item.amount) for item in rule] == expected
    assert all(type(item.amount) is int for item in rule)
    assert charge.provider_amount == 15


def test_every_token_line_rounds_up_on_its_own() -> None:
    for inp, cached, write, out, reasoning in ((1, 1, 0, 0, 0), (1, 0, 1, 0, 0), (1, 0, 0, 0, 0), (0, 0, 0, 1, 0),
                                               (0, 0, 0, 1, 1)):
        rule = engine.token_lines(FRACTIONAL, FRACTIONAL.prices[-1], inp, cached, write, out, reasoning)
        assert [item.amount for item in rule] == [1]  # a fraction of a unit is a whole unit, never zero
        usage = {"input_tokens": inp, "cached_input_tokens": cached, "cache_write_tokens": write,
                 "output_tokens": out, "reasoning_tokens": reasoning}
        assert pricing.price(FRACTIONAL, usage).provider_amount == 1


@pytest.mark.parametrize("as_usage", [dict, Usage], ids=["mapping", "Usage"])
def test_a_model_with_tokens_and_a_request_fee_charges_both(as_usage: type) -> None:
    """Perplexity's sonar: $1 per 1M tokens each way plus $12 per 1,000 requests; a call is one request whether its
    usage comes as a mapping of token counts, a mapping with other fields, or a Usage."""
    for fields in ({"input_tokens": 1_000, "output_tokens": 500}, {"input_tokens": 1_000, "output_tokens": 500,
                                                                     "requests": 1}):
        charge = pricing.price("sonar", as_usage(**fields))
        assert [(item.key, item.quantity, item.amount) for item in charge.line_items] == [
            ("input_tokens", 1_000, 1_000), ("output_tokens", 500, 500), ("requests", 1, 12_000)]
        assert (charge.provider_amount, charge.final_amount) == (13_500, 13_500 + 135)


def test_the_request_fee_is_in_the_maximum_and_the_maximum_covers_the_price() -> None:
    body = {**CHAT, "max_tokens": 100}
    quote = pricing.quote_max("sonar", body, "chat")
    assert quote.provider_amount == quote.prompt_tokens * 1 + 100 * 1 + 4 + 12_000
    worst = {"input_tokens": quote.prompt_tokens, "output_tokens": quote.output_tokens}
    assert pricing.price("sonar", worst).final_amount <= quote.amount
    assert pricing.settle("sonar", worst, quote.amount).uncollected == 0


def test_a_cache_write_beyond_the_prompt_is_refused_however_usage_comes() -> None:
    message = r"cached_input_tokens \(0\) \+ cache_write_tokens \(6\) exceed input_tokens \(5\)"
    for usage in ({"input_tokens": 5, "cache_write_tokens": 6}, Usage(input_tokens=5, cache_write_tokens=6),
                  {"input_tokens": 5, "cache_write_tokens": 6, "requests": 1}):
        with pytest.raises(InvalidUsage, match=message):
            pricing.price("claude-sonnet-4-5", usage)
    for usage in ({"input_tokens": 5, "cached_input_tokens": 3, "cache_write_tokens": 2},
                  Usage(input_tokens=5, cached_input_tokens=3, cache_write_tokens=2)):
        assert pricing.price("claude-sonnet-4-5", usage).provider_amount > 0  # exactly the prompt: allowed
    with pytest.raises(InvalidUsage, match=r"reasoning_tokens \(4\) exceed output_tokens \(3\)"):
        pricing.price("o3", Usage(output_tokens=3, reasoning_tokens=4))


def test_a_video_request_keeps_the_resolution_it_asked_for() -> None:
    """What a video request will be billed for carries its resolution (the provider's job and the receipt name it),
    the default one when none is asked for."""
    for model, asked in (("sora-2", "1280x720"), ("veo-3", "1080p")):
        usage = pricing.usage_from_request(model, {"prompt": "x", "seconds": 4, "size": asked}, "video")
        assert (usage.video_seconds, usage.video_resolution) == (4, asked)
        usage = pricing.usage_from_request(model, {"prompt": "x", "seconds": "4", "resolution": asked}, "video")
        assert (usage.video_seconds, usage.video_resolution) == (4, asked)
        default = pricing.usage_from_request(model, {"prompt": "x", "seconds": 4}, "video")
        assert (default.video_seconds, default.video_resolution) == (4, None)
        assert pricing.quote_exact(model, {"prompt": "x", "seconds": 4}, "video") == pricing.price(model, default)


@pytest.mark.parametrize(("model", "body", "operation", "field", "limit"), [
    ("dall-e-3", {"prompt": "x"}, "images", "n", 10),
    ("sora-2", {"prompt": "x"}, "video", "seconds", 3_600),
    ("gpt-4.1", {**CHAT, "max_tokens": 1}, "chat", "n", 128),
])
def test_numeric_limits_hold_at_their_edge_and_refuse_past_it(model: str, body: dict[str, object], operation: str,
                                                              field: str, limit: int) -> None:
    at_limit = pricing.quote_max(model, {**body, field: limit}, operation)
    one = pricing.quote_max(model, {**body, field: 1}, operation)
    assert at_limit.amount > one.amount
    with pytest.raises(NotQuotable, match=f"`{field}` must be a positive integer ≤ {limit}, got {limit + 1}"):
        pricing.quote_max(model, {**body, field: limit + 1}, operation)
    with pytest.raises(NotQuotable, match=f"`{field}` must be a positive integer ≤ {limit}, got 0"):
        pricing.quote_max(model, {**body, field: 0}, operation)


def test_a_budget_that_exactly_covers_the_maximum_is_enough() -> None:
    body = {**CHAT, "max_tokens": 1_000}
    full = pricing.quote_max("gpt-4.1", body, "chat")
    assert pricing.quote_max("gpt-4.1", body, "chat", budget=full.amount) == full
    lowered = pricing.quote_max("gpt-4.1", body, "chat", budget=full.amount - 1)
    assert lowered.output_tokens < full.output_tokens and lowered.amount <= full.amount - 1
    image = pricing.quote_max("dall-e-3", {"prompt": "x"}, "images")
    assert pricing.quote_max("dall-e-3", {"prompt": "x"}, "images", budget=image.amount) == image
    with pytest.raises(InsufficientBudget) as raised:
        pricing.quote_max("dall-e-3", {"prompt": "x"}, "images", budget=image.amount - 1)
    assert raised.value.required == image.amount


def test_a_budget_with_room_for_one_output_token_gets_a_limit_of_one() -> None:
    body = {**CHAT, "max_tokens": 1_000}
    one = pricing.quote_max("gpt-4.1", {**body, "max_tokens": 1}, "chat")
    fitted = pricing.quote_max("gpt-4.1", body, "chat", budget=one.amount)
    assert (fitted.output_tokens, fitted.amount) == (1, one.amount)
    with pytest.raises(InsufficientBudget) as raised:
        pricing.quote_max("gpt-4.1", body, "chat", budget=one.amount - 1)
    assert raised.value.required == one.amount
    assert str(raised.value) == (f"gpt-4.1: a {one.prompt_tokens}-token prompt with 1 output token can cost up to "
                                 f"{one.amount}, above the budget of {one.amount - 1}")


def test_the_fitted_limit_is_the_largest_that_fits() -> None:
    """Each output token at $8 per 1M is 8 units: a budget k units above the one-token maximum buys ⌊k / 8.08⌋ more
    tokens (the fee included), and one unit less buys one token less at a multiple."""
    body = {**CHAT, "max_tokens": 1_000}
    base = pricing.quote_max("gpt-4.1", {**body, "max_tokens": 1}, "chat")
    for extra in (0, 7, 8, 9, 100, 1_000, 7_999):
        fitted = pricing.quote_max("gpt-4.1", body, "chat", budget=base.amount + extra)
        assert fitted.amount <= base.amount + extra
        more = pricing.quote_max("gpt-4.1", {**body, "max_tokens": fitted.output_tokens + 1}, "chat")
        assert more.amount > base.amount + extra or fitted.output_tokens == 1_000


def test_an_image_or_file_part_that_also_carries_text_keeps_its_floor() -> None:
    for part, floor in (({"type": "image_url", "image_url": {"url": "u"}, "text": "a caption"}, IMAGE_TOKENS),
                        ({"type": "input_image", "image_url": "u", "text": "a caption"}, IMAGE_TOKENS),
                        ({"type": "file", "file": {"file_data": "AAAA"}, "text": "notes"}, FILE_TOKENS),
                        ({"type": "input_file", "file_data": "AAAA", "text": "notes"}, FILE_TOKENS)):
        assert chat_prompt_bound({"messages": [{"role": "user", "content": [part]}]}) > floor


@pytest.mark.parametrize("field", ["tools", "functions"])
def test_tool_definitions_add_the_tools_overhead(field: str) -> None:
    definitions = [{"name": "f", "parameters": {}}]
    plain = chat_prompt_bound(CHAT)
    with_tools = chat_prompt_bound({**CHAT, field: definitions})
    assert with_tools - plain == len(b'[{"name":"f","parameters":{}}]') + TOOLS_OVERHEAD
    assert chat_prompt_bound({**CHAT, field: []}) - plain == 2  # `[]`: no tool, no overhead


def test_seconds_are_priced_exactly_by_the_decimal() -> None:
    assert pricing.price("whisper-1", {"audio_seconds": Decimal("0.001")}).provider_amount == 1  # 0.1 unit, up


def test_every_entry_point_prices_with_the_set_in_force_at_the_time_given() -> None:
    """`at` picks the price set in force (the newest whose start is not after it); without it, the newest set."""
    usage = {"input_tokens": 1_000_000, "output_tokens": 1_000_000}
    assert [pricing.price(HISTORY, usage, at=at).provider_amount for at in (BEFORE, AFTER, None)] == [
        3_000_000 + 1_000, 8_000_000 + 2_000, 8_000_000 + 2_000]
    assert [pricing.settle(HISTORY, usage, 10**9, at=at).amount for at in (BEFORE, AFTER)] == [3_031_010, 8_082_020]
    images = {"prompt": "x", "size": "1x1", "n": 2}
    # request-priced work pays the request fee of its set too
    assert [pricing.quote_exact(HISTORY, images, "images", at=at).provider_amount for at in (BEFORE, AFTER)] == [
        20_000 + 1_000, 60_000 + 2_000]
    assert [pricing.quote_max(HISTORY, images, "images", at=at).provider_amount for at in (BEFORE, AFTER)] == [
        20_000 + 1_000, 60_000 + 2_000]
    # `auto` holds the dearest size of the set in force, which each set names differently
    auto = [pricing.usage_from_request(HISTORY, {"prompt": "x", "size": "auto"}, "images", at=at).image_size
            for at in (BEFORE, AFTER)]
    assert auto == ["2x2", "3x3"]
    assert [pricing.quote_exact(HISTORY, {"prompt": "x", "size": "auto"}, "images", at=at).provider_amount
            for at in (BEFORE, AFTER)] == [20_000 + 1_000, 50_000 + 2_000]
    video = {"prompt": "x", "seconds": 2}
    assert [pricing.quote_exact(HISTORY, video, "video", at=at).provider_amount for at in (BEFORE, AFTER)] == [
        200_000 + 1_000, 600_000 + 2_000]
    speech = {"input": "abcd"}
    assert [pricing.quote_exact(HISTORY, speech, "speech", at=at).provider_amount for at in (BEFORE, AFTER)] == [
        40 + 1_000, 120 + 2_000]
    chat = {**CHAT, "max_tokens": 10}
    assert [pricing.quote_max(HISTORY, chat, "chat", at=at).provider_amount for at in (BEFORE, AFTER)] == [
        chat_prompt_bound(chat) * 1 + 10 * 2 + 4 + 1_000, chat_prompt_bound(chat) * 3 + 10 * 5 + 4 + 2_000]
    assert [pricing.quote_max(HISTORY, {"input": "abc"}, "embeddings", at=at).provider_amount
            for at in (BEFORE, AFTER)] == [5 * 1 + 4 + 1_000, 5 * 3 + 4 + 2_000]
    assert [pricing.quote_max(HISTORY, {}, "transcription", at=at, audio_seconds=60).provider_amount
            for at in (BEFORE, AFTER)] == [6_000 + 1_000, 12_000 + 2_000]
    rerank = {"query": "q", "documents": ["d"]}
    assert [pricing.quote_max(HISTORY, rerank, "rerank", at=at).provider_amount for at in (BEFORE, AFTER)] == [
        1_000 + 1_000 + 1 * (16 + 1 + 1 + 4) + 4, 3_000 + 2_000 + 3 * (16 + 1 + 1 + 4) + 4]
    with pytest.raises(pricing.UnpricedUsage, match="history has no price in force"):
        pricing.quote_max(r.model("history", *HISTORY.prices[1:]), chat, "chat", at=BEFORE)
