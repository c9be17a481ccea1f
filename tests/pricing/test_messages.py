"""Every refusal says exactly what is wrong and where: the gateway hands these messages to API clients as they are,
so each is part of the contract, pinned in full."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

import pricing
from pricing import bounds
from pricing.errors import shown
from tests.pricing import records as r

USER = {"role": "user", "content": "hi"}
TWO_OPS = r.model("two-ops", r.price_set(tokens=r.tokens("1", output="1")), operations=("chat", "embeddings"))
BY_SIZE_AND_STYLE = r.model("styled", r.price_set(images=r.media(("size", "style"), "usd_per_image",
                                                                 (("1x1", "vivid"), "0.01"))), operations=("images",))
BY_NOTHING = r.model("flat", r.price_set(video=r.media((), "usd_per_second", ((), "0.1"))), operations=("video",))
TOKENER = r.model("tokener", r.price_set(tokens=r.tokens("0.05")), operations=("rerank",))
LATE = r.model("late", r.price_set(effective_from=datetime.fromisoformat("2025-03-01T00:00:00+00:00"),
                                   tokens=r.tokens("1", output="1")))

CASES: list[tuple[Callable[[], Any], type[Exception], str]] = [
    # request bodies (pricing/bounds.py)
    (lambda: bounds.chat_prompt_bound({"messages": [{"role": "user", "content": 5}]}), pricing.NotQuotable,
     "messages[0].content must be a string or a list of parts, got int"),
    (lambda: bounds.chat_prompt_bound({"messages": [5]}), pricing.NotQuotable, "messages[0] must be an object, got int"),
    (lambda: bounds.chat_prompt_bound({"messages": {"role": "user"}}), pricing.NotQuotable,
     "a chat request needs `messages`: a non-empty list of messages"),
    (lambda: bounds.chat_prompt_bound({"messages": 5}), pricing.NotQuotable,
     "a chat request needs `messages`: a non-empty list of messages"),
    (lambda: bounds.chat_prompt_bound({"messages": "hi"}), pricing.NotQuotable,
     "a chat request needs `messages`: a non-empty list of messages"),
    (lambda: bounds.chat_prompt_bound({"messages": [{"type": "item_reference", "id": "m"}]}), bounds.UnboundedPrompt,
     "messages[0] refers to an item the provider stores"),
    (lambda: bounds.chat_prompt_bound({"messages": [{"content": [{"type": "item_reference"}]}]}),
     bounds.UnboundedPrompt, "messages[0].content[0] refers to an item the provider stores"),
    (lambda: bounds.chat_prompt_bound({"messages": [{"content": [7]}]}), pricing.NotQuotable,
     "messages[0].content[0] must be a string or an object, got int"),
    (lambda: bounds.chat_prompt_bound({"messages": [{"content": [{"type": "file", "file": {"file_id": "f"}}]}]}),
     pricing.NotQuotable, "messages[0].content[0]: a file referenced by id or URL has no upper bound on its tokens; "
     "send it inline (file_data)"),
    (lambda: bounds.chat_prompt_bound({"input": "hi", "previous_response_id": "r"}), bounds.UnboundedPrompt,
     "`previous_response_id` brings in context the provider stores"),
    (lambda: bounds.chat_prompt_bound({"input": "hi", "conversation": "c"}), bounds.UnboundedPrompt,
     "`conversation` brings in context the provider stores"),
    (lambda: bounds.chat_prompt_bound({"input": "hi", "prompt": {"id": "p"}}), bounds.UnboundedPrompt,
     "`prompt` names a template the provider stores"),
    (lambda: bounds.embeddings_input_bound({"input": 5}), pricing.NotQuotable,
     "an embeddings request needs `input`: a string, a list of strings or of token-id lists"),
    (lambda: bounds.embeddings_input_bound({"input": []}), pricing.NotQuotable,
     "an embeddings request needs `input`: a string, a list of strings or of token-id lists"),
    (lambda: bounds.embeddings_input_bound({"input": ["a", 5]}), pricing.NotQuotable,
     "input[1] must be a string or a list of token ids"),
    (lambda: bounds.rerank_token_bound({"query": "", "documents": ["d"]}), pricing.NotQuotable,
     "a rerank request needs `query`: a non-empty string"),
    (lambda: bounds.rerank_token_bound({"query": "q", "documents": "d"}), pricing.NotQuotable,
     "a rerank request needs `documents`: a non-empty list"),
    # quotes (pricing/quotes.py)
    (lambda: pricing.quote_max(TWO_OPS, {}, "images"), pricing.NotQuotable,
     "two-ops does not serve 'images' (it serves chat, embeddings)"),
    (lambda: pricing.quote_max("gpt-4.1", [], "chat"), pricing.NotQuotable,
     "the request body must be a JSON object, got list"),
    (lambda: pricing.quote_max("gpt-4.1", {"messages": [USER], "max_tokens": 0}, "chat"), pricing.NotQuotable,
     "`max_tokens` must be a positive integer, got 0"),
    (lambda: pricing.quote_max("gpt-4.1", {"messages": [USER], "max_completion_tokens": "7k"}, "chat"),
     pricing.NotQuotable, "`max_completion_tokens` must be a positive integer, got '7k'"),
    (lambda: pricing.quote_max("whisper-1", {}, "transcription"), pricing.NotQuotable,
     "a transcription maximum needs a bound on the audio duration (audio_seconds)"),
    (lambda: pricing.quote_max("gpt-4.1", {"messages": [USER]}, "chat", budget=-1), pricing.InvalidArgument,
     "budget must be a non-negative int of atomic units, got -1"),
    (lambda: pricing.settle("gpt-4.1", {}, 1.5), pricing.InvalidArgument,  # type: ignore[arg-type]
     "authorized_max must be a non-negative int of atomic units, got 1.5"),
    # the engine (pricing/engine.py)
    (lambda: pricing.price("gpt-4.1", {}, fee_bps=150.7), pricing.InvalidArgument,  # type: ignore[arg-type]
     "fee_bps must be an int from 0 to 10000 (basis points), got 150.7"),
    (lambda: pricing.price("gpt-4.1", {}, at=datetime(2025, 2, 1)), pricing.InvalidArgument,
     "`at` must be a timezone-aware datetime (UTC), e.g. datetime.now(UTC), got datetime.datetime(2025, 2, 1, 0, 0)"),
    (lambda: pricing.price(LATE, {}, at=datetime.fromisoformat("2025-02-01T00:00:00+00:00")), pricing.UnpricedUsage,
     "late has no price in force at 2025-02-01T00:00:00+00:00: its first price starts at 2025-03-01T00:00:00+00:00"),
    (lambda: pricing.price(TOKENER, {"searches": 2}), pricing.UnpricedUsage,
     "tokener has no price for searches (2): the model has no per-search price; never priced as zero"),
    (lambda: pricing.price(BY_SIZE_AND_STYLE, {"images": 1, "image_quality": "hd"}), pricing.InvalidUsage,
     "styled prices images by size, style, not by quality (got quality='hd')"),
    (lambda: pricing.price(BY_NOTHING, {"video_seconds": 1, "video_resolution": "4k"}), pricing.InvalidUsage,
     "flat prices video by nothing, not by resolution (got resolution='4k')"),
    (lambda: pricing.price(42, {}), pricing.UnknownModel,  # type: ignore[arg-type]
     "unknown model '42': no model or alias of the catalog has this id"),
    (lambda: pricing.price(["gpt-4.1"], {}), pricing.UnknownModel,  # type: ignore[arg-type]
     "unknown model \"['gpt-4.1']\": no model or alias of the catalog has this id"),
    (lambda: pricing.quote_max("gpt-4.1", {"messages": [USER], "max_tokens": 10}, "chat", budget=1),
     pricing.InsufficientBudget, "gpt-4.1: a 40-token prompt with 1 output token can cost up to 93, above the "
     "budget of 1"),
]


@pytest.mark.parametrize(("call", "error", "message"), CASES, ids=[message[:40] for _, _, message in CASES])
def test_each_refusal_says_what_is_wrong(call: Callable[[], Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        call()


def test_an_unknown_model_keeps_the_id_asked_for_up_to_two_hundred_characters() -> None:
    for length in (199, 200):
        with pytest.raises(pricing.UnknownModel) as raised:
            pricing.get_model("m" * length)
        assert raised.value.model == "m" * length
    with pytest.raises(pricing.UnknownModel) as raised:
        pricing.get_model("m" * 201)
    assert raised.value.model == shown("m" * 201) == "'" + "m" * 76 + "..."
    assert str(raised.value) == f"unknown model {shown(shown('m' * 201))}: no model or alias of the catalog has this id"


def test_a_shown_value_is_bounded() -> None:
    assert shown("x" * 78) == "'" + "x" * 78 + "'"  # 80 characters: as is
    assert shown("x" * 79) == "'" + "x" * 76 + "..."  # 81: cut to 77 and an ellipsis
    assert shown(2**256 - 1) == str(2**256 - 1)  # 256 bits: printed
    assert shown(2**256) == "an integer of 257 bits"
    assert shown(True) == "True"
