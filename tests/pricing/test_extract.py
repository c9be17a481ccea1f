"""usage_from_response on real provider responses (tests/data/provider_usages.json.gz) and on each shape."""

from __future__ import annotations

import gzip
import hashlib
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pricing import InvalidUsage, PricingError, UnpricedUsage, Usage, usage_from_response
from pricing.extract import EXTRACTORS

# 1,577 real usage blocks from pydantic/genai-prices (MIT): provenance in tests/data/README.md
CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_usages.json.gz"
CORPUS_SHA256 = "3ee2be34ecee42c4f34590299d3ab97be0ddf492531ff6e09f7796f579ef3ffd"  # of the uncompressed JSON
# our flavor ↔ the (provider_id, api_flavor) of the reference extractor that produced the corpus' expected usage
FLAVORS = {
    "openai-chat": ("openai", "chat"),
    "openai-responses": ("openai", "responses"),
    "openai-embeddings": ("openai", "embeddings"),
    "anthropic": ("anthropic", "default"),
    "gemini": ("google", "default"),
}
# token kinds the catalog does not price (billed at other rates than text): extraction refuses them
NON_TEXT = ("input_audio_tokens", "output_audio_tokens", "output_image_tokens")


@cache
def _corpus_bytes() -> bytes:
    return gzip.decompress(CORPUS.read_bytes())


def _corpus() -> list[dict[str, Any]]:
    return list(json.loads(_corpus_bytes()))


def test_the_corpus_is_the_vendored_dataset() -> None:
    assert hashlib.sha256(_corpus_bytes()).hexdigest() == CORPUS_SHA256
    assert len(_corpus()) == 1577


def _expected(entry: dict[str, Any], pair: tuple[str, str]) -> dict[str, int] | None:
    for extracted in entry["extracted"]:
        if any((e["provider_id"], e["api_flavor"]) == pair for e in extracted["extractors"]):
            return dict(extracted["usage"])
    return None


@pytest.mark.parametrize("flavor", sorted(FLAVORS))
def test_real_responses_normalise_like_the_reference(flavor: str) -> None:
    matched = refused = 0
    for entry in _corpus():
        expected = _expected(entry, FLAVORS[flavor])
        if expected is None:  # the reference extractor does not read this body: neither may we
            with pytest.raises((InvalidUsage, UnpricedUsage)):
                usage_from_response(flavor, entry["body"])
            continue
        if any(expected.get(kind) for kind in NON_TEXT):
            with pytest.raises(UnpricedUsage):
                usage_from_response(flavor, entry["body"])
            refused += 1
            continue
        usage = usage_from_response(flavor, entry["body"])
        assert (usage.input_tokens, usage.cached_input_tokens, usage.cache_write_tokens, usage.output_tokens,
                usage.reasoning_tokens) == (
            expected.get("input_tokens", 0), expected.get("cache_read_tokens", 0),
            expected.get("cache_write_tokens", 0), expected.get("output_tokens", 0),
            expected.get("output_reasoning_tokens", 0)), entry["body"]
        matched += 1
    assert matched >= 400
    assert refused < matched  # audio or image tokens are the exception, each refused (never priced as text)


def test_openai_streaming_final_usage_chunk() -> None:
    chunk = {"id": "c", "object": "chat.completion.chunk", "choices": [],
             "usage": {"prompt_tokens": 12, "completion_tokens": 30, "total_tokens": 42,
                       "prompt_tokens_details": {"cached_tokens": 4},
                       "completion_tokens_details": {"reasoning_tokens": 10}}}
    assert usage_from_response("openai-chat", chunk) == Usage(input_tokens=12, cached_input_tokens=4,
                                                              output_tokens=30, reasoning_tokens=10)
    with pytest.raises(InvalidUsage, match="has no `usage`"):
        usage_from_response("openai-chat", {"object": "chat.completion.chunk", "choices": [{}], "usage": None})


def test_openai_responses_completed_event_and_anthropic_stream_events() -> None:
    event = {"type": "response.completed", "response": {"usage": {"input_tokens": 5, "output_tokens": 7}}}
    assert usage_from_response("openai-responses", event) == Usage(input_tokens=5, output_tokens=7)
    start = {"type": "message_start", "message": {"usage": {"input_tokens": 3, "cache_read_input_tokens": 100,
                                                            "cache_creation_input_tokens": 20, "output_tokens": 1}}}
    assert usage_from_response("anthropic", start) == Usage(input_tokens=123, cached_input_tokens=100,
                                                            cache_write_tokens=20, output_tokens=1)


def test_images_transcription_and_video() -> None:
    images = {"created": 1, "data": [{"url": "u1"}, {"url": "u2"}], "size": "1024x1536", "quality": "auto"}
    assert usage_from_response("openai-images", images) == Usage(images=2, image_size="1024x1536")
    assert usage_from_response("openai-transcription", {"text": "hi", "usage": {"type": "duration", "seconds": 8}}
                               ) == Usage(audio_seconds=8)
    assert usage_from_response("openai-transcription", {"usage": {"type": "duration", "seconds": 7.3}}
                               ).audio_seconds == Decimal("7.3")
    assert usage_from_response("openai-transcription", {"usage": {"type": "tokens", "input_tokens": 9,
                                                                  "output_tokens": 2}}) == Usage(input_tokens=9,
                                                                                                 output_tokens=2)
    video = {"id": "video_1", "object": "video", "status": "queued", "seconds": "8", "size": "720x1280"}
    assert usage_from_response("openai-video", video) == Usage(video_seconds=8, video_resolution="720x1280")


@pytest.mark.parametrize(("flavor", "body", "message"), [
    ("openai-chat", [], "openai-chat response must be an object, got list"),
    ("openai-chat", {"usage": {"completion_tokens": 1}}, "usage.prompt_tokens is missing"),
    ("openai-chat", {"usage": {"prompt_tokens": 1.5, "completion_tokens": 1}},
     "usage.prompt_tokens must be a non-negative integer, got 1.5"),
    ("openai-chat", {"usage": {"prompt_tokens": 2, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 3}}},
     "cached_input_tokens (3) + cache_write_tokens (0) exceed input_tokens (2)"),
    ("openai-images", {"created": 1}, "openai-images response has no `data` list of generated images"),
    ("openai-transcription", {"usage": {"type": "duration", "seconds": "8"}}, "usage.seconds must be a number"),
    ("openai-video", {"seconds": "eight"}, "openai-video response needs `seconds` (a whole number), got 'eight'"),
    ("gemini", {"usageMetadata": []}, "usageMetadata must be an object, got list"),
    ("gemini", {"usageMetadata": {"candidatesTokenCount": 5}}, "usageMetadata.promptTokenCount is missing"),
    ("gemini", {"usageMetadata": {"promptTokenCount": 5, "promptTokensDetails": 1}},
     "usageMetadata.promptTokensDetails must be a list, got int"),
    ("anthropic", {"type": "message_delta", "usage": {"output_tokens": 1500}}, "usage.input_tokens is missing"),
    ("cohere", {}, "unknown API flavor 'cohere'; flavors: openai-chat, openai-responses"),
])
def test_malformed_usage_is_a_clear_error(flavor: str, body: Any, message: str) -> None:
    with pytest.raises(InvalidUsage) as raised:
        usage_from_response(flavor, body)
    assert str(raised.value).startswith(message)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=4),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=12)
FIELDS = st.sampled_from(["usage", "usageMetadata", "response", "data", "seconds", "type", "prompt_tokens",
                          "completion_tokens", "input_tokens", "output_tokens", "promptTokenCount",
                          "candidatesTokenCount", "prompt_tokens_details", "completion_tokens_details",
                          "input_tokens_details", "output_tokens_details", "promptTokensDetails",
                          "candidatesTokensDetails", "cached_tokens", "reasoning_tokens", "modality", "tokenCount",
                          "cache_read_input_tokens", "cache_creation_input_tokens", "size", "quality"])
# documents shaped like provider responses (the field names the extractors read) with any JSON in them
DOCUMENTS = st.recursive(JSON, lambda inner: st.dictionaries(FIELDS, inner, max_size=4) | st.lists(inner, max_size=2),
                         max_leaves=16)


@given(st.sampled_from(sorted(EXTRACTORS)), DOCUMENTS)
@example("gemini", {"usageMetadata": {"promptTokensDetails": 1}})  # was a TypeError: ints are not iterable
@settings(max_examples=1500, deadline=None)
def test_any_document_is_a_usage_or_a_pricing_error(flavor: str, body: Any) -> None:
    """Whatever a provider (or a client of the meter route) sends, extraction answers a Usage or a PricingError:
    never another exception, which would escape the callers that handle only those."""
    try:
        usage = usage_from_response(flavor, body)
    except PricingError:
        return
    assert isinstance(usage, Usage)
