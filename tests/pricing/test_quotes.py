"""exact quotes, upto maxima (a provable bound, checked by property) and settlement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pricing
from generated.catalog import Model, Tier
from pricing import InsufficientBudget, NotQuotable, UnpricedUsage, Usage
from pricing.bounds import IMAGE_TOKENS, MESSAGE_OVERHEAD, PART_OVERHEAD, REQUEST_OVERHEAD
from tests.pricing import records as r
from tests.pricing.strategies import chat_models

texts = st.text(max_size=300)
messages = st.lists(st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant"]), "content": texts}),
                    min_size=1, max_size=6)


def test_exact_images_speech_video_and_request_fees() -> None:
    assert pricing.quote_exact("dall-e-3", {"prompt": "a cat", "n": 2, "size": "1024x1792", "quality": "hd"},
                               "images").final_amount == 242_400
    # `auto` lets the provider choose: the dearest option that fits the other parameters is what a quote holds
    assert pricing.quote_exact("dall-e-3", {"prompt": "a cat", "size": "auto"}, "images").provider_amount == 120_000
    assert pricing.quote_exact("dall-e-3", {"prompt": "a cat", "size": "1024x1024", "quality": "auto"}, "images"
                               ).provider_amount == 80_000
    with pytest.raises(pricing.InvalidUsage, match="does not offer images with size='64x64'"):
        pricing.quote_exact("dall-e-3", {"prompt": "a cat", "size": "64x64", "quality": "auto"}, "images")
    # a parameter the prices do not depend on is dropped: dall-e-2 is priced by size only
    assert pricing.quote_exact("dall-e-2", {"prompt": "a cat", "quality": "standard", "size": "512x512"}, "images"
                               ).provider_amount == 18_000
    assert pricing.quote_exact("tts-1", {"input": "héllo wörld", "voice": "alloy"}, "speech").provider_amount == 165
    assert pricing.quote_exact("sora-2", {"prompt": "x", "seconds": "8", "size": "720x1280"}, "video"
                               ).provider_amount == 800_000
    fee_only = r.model("fee-only", r.price_set(requests=r.rate("0.005", "usd_per_request")))
    assert pricing.quote_exact(fee_only, {"messages": []}, "chat").provider_amount == 5_000


@pytest.mark.parametrize(("model", "body", "operation", "message"), [
    ("gpt-4.1", {"messages": [{"role": "user", "content": "hi"}]}, "chat",
     "chat is priced from the provider's measured usage, so it has no exact quote before the call; use quote_max"),
    ("dall-e-3", {"n": 0}, "images", "`n` must be a positive integer ≤ 10, got 0"),
    ("dall-e-3", {"n": True}, "images", "`n` must be a positive integer ≤ 10, got True"),
    ("dall-e-3", {"size": 1024}, "images", "`size` must be a string, got 1024"),
    ("tts-1", {"voice": "alloy"}, "speech", "a speech request needs `input`: the text to speak"),
    ("sora-2", {"prompt": "x"}, "video", "a video request must say how long the video is: `seconds`"),
    ("gpt-4.1", {}, "images", "gpt-4.1 does not serve 'images' (it serves chat)"),
    ("gpt-4.1", {}, "dance", "unknown operation 'dance'; operations: chat, embeddings, images, speech, transcription"),
    ("dall-e-3", [], "images", "the request body must be a JSON object, got list"),
])
def test_not_quotable(model: str, body: Any, operation: str, message: str) -> None:
    with pytest.raises(NotQuotable, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        pricing.quote_exact(model, body, operation)


def test_quote_max_chat_bounds_and_limit() -> None:
    body = {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 100}
    quote = pricing.quote_max("gpt-4.1", body, "chat")
    prompt = REQUEST_OVERHEAD + MESSAGE_OVERHEAD + len("user") + len("Hello") + PART_OVERHEAD
    assert (quote.prompt_tokens, quote.output_tokens) == (prompt, 100)
    assert quote.provider_amount == -(-prompt * 2 // 1) + 100 * 8 + 4  # dearest input rate, output rate, slack
    assert quote.amount == quote.provider_amount + quote.platform_fee
    assert pricing.quote_max("gpt-4.1", {**body, "max_tokens": None}, "chat").output_tokens == 32_768  # model max
    assert pricing.quote_max("gpt-4.1", {**body, "max_tokens": None, "max_completion_tokens": 10**9}, "chat").output_tokens == 32_768
    assert pricing.quote_max("gpt-4.1", {**body, "max_completion_tokens": 50}, "chat").output_tokens == 50  # the least


def test_quote_max_multiplies_the_output_by_the_number_of_choices() -> None:
    body = {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 100}
    one = pricing.quote_max("gpt-4.1", body, "chat")
    four = pricing.quote_max("gpt-4.1", {**body, "n": 4}, "chat")
    assert four.output_tokens == one.output_tokens == 100  # the limit stays per choice
    assert four.provider_amount - one.provider_amount == 3 * 100 * 8
    with pytest.raises(NotQuotable, match="`n` must be a positive integer ≤ 128"):
        pricing.quote_max("gpt-4.1", {**body, "n": 129}, "chat")


def test_quote_max_file_parts_and_tools() -> None:
    from pricing.bounds import FILE_TOKENS, TOOLS_OVERHEAD

    inline = {"type": "file", "file": {"filename": "a.pdf", "file_data": "data:application/pdf;base64,AAAA"}}
    body = {"messages": [{"role": "user", "content": [inline]}], "max_tokens": 1}
    assert pricing.quote_max("gpt-4.1", body, "chat").prompt_tokens > FILE_TOKENS
    by_id = {"type": "file", "file": {"file_id": "file-123"}}
    with pytest.raises(NotQuotable, match=r"content\[0\]: a file referenced by id or URL has no upper bound"):
        pricing.quote_max("gpt-4.1", {"messages": [{"role": "user", "content": [by_id]}]}, "chat")
    plain = {"messages": [{"role": "user", "content": "x"}], "max_tokens": 1}
    tools = [{"type": "function", "function": {"name": "f"}}]
    assert (pricing.quote_max("gpt-4.1", {**plain, "tools": tools}, "chat").prompt_tokens
            - pricing.quote_max("gpt-4.1", plain, "chat").prompt_tokens) > TOOLS_OVERHEAD


def test_quotes_use_the_price_set_in_force() -> None:
    from datetime import UTC, datetime

    body = {"messages": [{"role": "user", "content": "x"}], "max_tokens": 1000}
    before = pricing.quote_max("o3", body, "chat", at=datetime(2025, 6, 1, tzinfo=UTC))
    after = pricing.quote_max("o3", body, "chat", at=datetime(2025, 7, 1, tzinfo=UTC))
    assert before.amount > after.amount


def test_quote_max_counts_non_text_parts_generously() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.test/cat.png"}}
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": "what is this?"}, image]}],
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}], "max_tokens": 1}
    assert pricing.quote_max("gpt-4.1", body, "chat").prompt_tokens > IMAGE_TOKENS


def test_quote_max_with_a_budget_lowers_the_output_limit() -> None:
    body = {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 10_000}
    full = pricing.quote_max("gpt-4.1", body, "chat")
    fitted = pricing.quote_max("gpt-4.1", body, "chat", budget=full.amount // 2)
    assert fitted.amount <= full.amount // 2 < pricing.quote_max("gpt-4.1", {**body, "max_tokens": fitted.output_tokens + 1},
                                                                 "chat").amount
    with pytest.raises(InsufficientBudget) as raised:
        pricing.quote_max("gpt-4.1", body, "chat", budget=10)
    assert raised.value.required > 10
    with pytest.raises(InsufficientBudget):
        pricing.quote_max("dall-e-3", {"prompt": "x"}, "images", budget=1)


def test_quote_max_embeddings_transcription_and_errors() -> None:
    assert pricing.quote_max("text-embedding-3-small", {"input": ["ab", "c"]}, "embeddings").prompt_tokens == 3 + 2 * PART_OVERHEAD
    assert pricing.quote_max("text-embedding-3-small", {"input": [1, 2, 3]}, "embeddings").prompt_tokens == 3
    assert pricing.quote_max("text-embedding-3-small", {"input": [[1, 2], [3]]}, "embeddings").prompt_tokens == 3
    whisper = pricing.quote_max("whisper-1", {}, "transcription", audio_seconds=60)
    assert (whisper.provider_amount, whisper.output_tokens) == (6_000, 0)
    with pytest.raises(NotQuotable, match="needs a bound on the audio duration"):
        pricing.quote_max("whisper-1", {}, "transcription")
    with pytest.raises(NotQuotable, match="needs `messages`"):
        pricing.quote_max("gpt-4.1", {"messages": []}, "chat")
    with pytest.raises(NotQuotable, match="needs `input`"):
        pricing.quote_max("text-embedding-3-small", {"input": 5}, "embeddings")
    with pytest.raises(NotQuotable, match=r"input\[0\] must be a string or a list of token ids"):
        pricing.quote_max("text-embedding-3-small", {"input": [{"x": 1}]}, "embeddings")
    with pytest.raises(NotQuotable, match=r"messages\[0\] must be an object"):
        pricing.quote_max("gpt-4.1", {"messages": ["hi"]}, "chat")
    with pytest.raises(NotQuotable, match=r"messages\[0\].content must be a string or a list of parts"):
        pricing.quote_max("gpt-4.1", {"messages": [{"role": "user", "content": 5}]}, "chat")
    with pytest.raises(NotQuotable, match=r"content\[0\] must be a string or an object"):
        pricing.quote_max("gpt-4.1", {"messages": [{"role": "user", "content": [5]}]}, "chat")
    with pytest.raises(NotQuotable, match="`max_tokens` must be a positive integer"):
        pricing.quote_max("gpt-4.1", {"messages": [{"role": "user", "content": "x"}], "max_tokens": -5}, "chat")
    assert pricing.quote_max("dall-e-3", {"prompt": "x"}, "images").amount == 40_400
    assert pricing.quote_max(r.model("free", r.price_set(free=True)), {"messages": [{}]}, "chat").amount == 0
    with pytest.raises(NotQuotable, match="must be a JSON object"):
        pricing.quote_max("gpt-4.1", [], "chat")  # type: ignore[arg-type]


def test_quote_max_needs_an_output_limit_and_prices() -> None:
    unlimited = r.model("unlimited", r.price_set(tokens=r.tokens("1", output="2")), max_output_tokens=None,
                        context_window=None)
    body = {"messages": [{"role": "user", "content": "x"}]}
    with pytest.raises(NotQuotable, match="publishes no output limit"):
        pricing.quote_max(unlimited, body, "chat")
    windowed = r.model("windowed", r.price_set(tokens=r.tokens("1", output="2")), max_output_tokens=None,
                       context_window=1000)
    quote = pricing.quote_max(windowed, body, "chat")
    assert quote.output_tokens == 1000 - quote.prompt_tokens
    no_input = r.model("no-input", r.price_set(tokens=r.tokens(output="2")))
    with pytest.raises(UnpricedUsage, match="no input token price"):
        pricing.quote_max(no_input, body, "chat")
    no_output = r.model("no-output", r.price_set(tokens=r.tokens("1")))
    with pytest.raises(UnpricedUsage, match="no output token price"):
        pricing.quote_max(no_output, body, "chat")
    images_only = r.model("img", r.price_set(images=r.media(("size",), "usd_per_image", (("1x1",), "1"))),
                          operations=("chat",))
    with pytest.raises(UnpricedUsage, match="has no token prices"):
        pricing.quote_max(images_only, body, "chat")
    token_transcriber = r.model("tt", r.price_set(tokens=r.tokens("1", output="2")), operations=("transcription",),
                                modality="audio")
    with pytest.raises(NotQuotable, match="audio length is unknown"):
        pricing.quote_max(token_transcriber, {}, "transcription")


def test_a_prompt_with_stored_context_is_bounded_by_the_context_window() -> None:
    """A Responses request continuing a stored conversation: its prompt may be anything the window holds, so the
    hold covers the whole window (at the dearest tier) plus the output limit; without a window it is refused."""
    tiered = r.model("tiered", r.price_set(tokens=r.tokens("1", output="4"),
                                           tiers=(Tier(500, r.tokens("3", output="8")),)),
                     max_output_tokens=None, context_window=1000)
    body = {"input": "next step", "previous_response_id": "resp_1", "max_output_tokens": 100}
    quote = pricing.quote_max(tiered, body, "chat")
    assert (quote.prompt_tokens, quote.output_tokens) == (1000, 100)
    assert quote.provider_amount == 1000 * 3 + 100 * 8 + 4  # the window at the dearest tier's input rate
    unlimited = pricing.quote_max(tiered, {**body, "max_output_tokens": None}, "chat")
    assert unlimited.output_tokens == 1000  # nothing is known of what the window leaves: all of it
    windowless = r.model("windowless", r.price_set(tokens=r.tokens("1", output="2")), context_window=None)
    with pytest.raises(NotQuotable, match="publishes no context window"):
        pricing.quote_max(windowless, body, "chat")
    assert pricing.quote_max("gpt-4.1", body, "chat").prompt_tokens == pricing.get_model("gpt-4.1").context_window


@settings(max_examples=300)
@given(model=chat_models, conversation=messages, max_tokens=st.integers(1, 200_000), data=st.data())
def test_any_usage_within_the_bounds_costs_at_most_the_maximum(model: Model, conversation: list[dict[str, str]],
                                                               max_tokens: int, data: st.DataObject) -> None:
    quote = pricing.quote_max(model, {"messages": conversation, "max_tokens": max_tokens}, "chat")
    prompt = data.draw(st.integers(0, quote.prompt_tokens))
    cached = data.draw(st.integers(0, prompt))
    write = data.draw(st.integers(0, prompt - cached))
    output = data.draw(st.integers(0, quote.output_tokens))
    reasoning = data.draw(st.integers(0, output))
    usage = Usage(input_tokens=prompt, cached_input_tokens=cached, cache_write_tokens=write, output_tokens=output,
                  reasoning_tokens=reasoning)
    assert pricing.price(model, usage).final_amount <= quote.amount
    for text in (m["content"] for m in conversation):  # a byte-level BPE token is at least one byte
        assert len(text.encode()) <= quote.prompt_tokens


def test_settle_caps_and_records_what_was_cut() -> None:
    usage = {"input_tokens": 1000, "output_tokens": 1000}
    settled = pricing.settle("gpt-4.1", usage, authorized_max=5_000)
    assert (settled.charge.final_amount, settled.amount, settled.uncollected, settled.capped) == (10_100, 5_000, 5_100,
                                                                                                   True)
    fits = pricing.settle("gpt-4.1", usage, authorized_max=1_000_000)
    assert (fits.amount, fits.uncollected, fits.capped) == (10_100, 0, False)
    assert pricing.settle("gpt-4.1", {}, authorized_max=0).amount == 0
    for bad in (-1, 1.5, Decimal(3)):
        with pytest.raises(ValueError, match="authorized_max must be a non-negative int"):
            pricing.settle("gpt-4.1", usage, authorized_max=bad)  # type: ignore[arg-type]


def test_request_priced_operation_without_its_prices_is_unpriced() -> None:
    no_images = r.model("no-images", r.price_set(requests=r.rate("0.01", "usd_per_request")), operations=("images",),
                        modality="image")
    with pytest.raises(UnpricedUsage, match="no-images has no price for images"):
        pricing.quote_exact(no_images, {"prompt": "x", "size": "auto"}, "images")
