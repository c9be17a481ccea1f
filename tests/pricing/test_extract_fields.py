"""Each flavor reads each count by the provider's own name, and a malformed count or block is named by its full path
in the response (`usage.prompt_tokens_details.cached_tokens`), so the caller can tell the provider what it sent."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from pricing import InvalidUsage, UnpricedUsage, Usage, usage_from_response

# flavor → (a response carrying every count it reads, the usage it means, {path of each count: required?},
#           paths of the objects that hold counts)
SHAPES: dict[str, tuple[dict[str, Any], Usage, dict[tuple[str, ...], bool], list[tuple[str, ...]]]] = {
    "openai-chat": (
        {"usage": {"prompt_tokens": 100, "completion_tokens": 50,
                   "prompt_tokens_details": {"cached_tokens": 10, "cache_write_tokens": 5},
                   "completion_tokens_details": {"reasoning_tokens": 20}}},
        Usage(input_tokens=100, cached_input_tokens=10, cache_write_tokens=5, output_tokens=50, reasoning_tokens=20),
        {("usage", "prompt_tokens"): True, ("usage", "completion_tokens"): True,
         ("usage", "prompt_tokens_details", "cached_tokens"): False,
         ("usage", "prompt_tokens_details", "cache_write_tokens"): False,
         ("usage", "completion_tokens_details", "reasoning_tokens"): False},
        [("usage", "prompt_tokens_details"), ("usage", "completion_tokens_details")],
    ),
    "openai-responses": (
        {"usage": {"input_tokens": 100, "output_tokens": 50,
                   "input_tokens_details": {"cached_tokens": 10, "cache_write_tokens": 5},
                   "output_tokens_details": {"reasoning_tokens": 20}}},
        Usage(input_tokens=100, cached_input_tokens=10, cache_write_tokens=5, output_tokens=50, reasoning_tokens=20),
        {("usage", "input_tokens"): True, ("usage", "output_tokens"): True,
         ("usage", "input_tokens_details", "cached_tokens"): False,
         ("usage", "input_tokens_details", "cache_write_tokens"): False,
         ("usage", "output_tokens_details", "reasoning_tokens"): False},
        [("usage", "input_tokens_details"), ("usage", "output_tokens_details")],
    ),
    "openai-embeddings": ({"usage": {"prompt_tokens": 7}}, Usage(input_tokens=7), {("usage", "prompt_tokens"): True},
                          []),
    "openai-transcription": (
        {"usage": {"type": "tokens", "input_tokens": 9, "output_tokens": 2}}, Usage(input_tokens=9, output_tokens=2),
        {("usage", "input_tokens"): True, ("usage", "output_tokens"): True}, [],
    ),
    "anthropic": (
        {"usage": {"input_tokens": 3, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20,
                   "output_tokens": 40, "output_tokens_details": {"thinking_tokens": 15}}},
        Usage(input_tokens=123, cached_input_tokens=100, cache_write_tokens=20, output_tokens=40, reasoning_tokens=15),
        {("usage", "input_tokens"): True, ("usage", "cache_read_input_tokens"): False,
         ("usage", "cache_creation_input_tokens"): False, ("usage", "output_tokens"): True,
         ("usage", "output_tokens_details", "thinking_tokens"): False},
        [("usage", "output_tokens_details")],
    ),
    "gemini": (
        {"usageMetadata": {"promptTokenCount": 100, "toolUsePromptTokenCount": 7, "cachedContentTokenCount": 30,
                           "candidatesTokenCount": 50, "thoughtsTokenCount": 20}},
        Usage(input_tokens=107, cached_input_tokens=30, output_tokens=70, reasoning_tokens=20),
        {("usageMetadata", "promptTokenCount"): True, ("usageMetadata", "toolUsePromptTokenCount"): False,
         ("usageMetadata", "cachedContentTokenCount"): False, ("usageMetadata", "candidatesTokenCount"): False,
         ("usageMetadata", "thoughtsTokenCount"): False},
        [],
    ),
    "rerank": (
        {"meta": {"billed_units": {"search_units": 2, "input_tokens": 40}}}, Usage(input_tokens=40, searches=2),
        {("meta", "billed_units", "search_units"): False, ("meta", "billed_units", "input_tokens"): False}, [],
    ),
}


def _with(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    block = changed
    for name in path[:-1]:
        block = block[name]
    if value is KeyError:
        del block[path[-1]]
    else:
        block[path[-1]] = value
    return changed


def _message(flavor: str, body: Any) -> str:
    with pytest.raises(InvalidUsage) as raised:
        usage_from_response(flavor, body)
    return str(raised.value)


@pytest.mark.parametrize("flavor", sorted(SHAPES))
def test_each_count_is_read_by_its_name_and_named_by_its_path(flavor: str) -> None:
    body, usage, counts, blocks = SHAPES[flavor]
    assert usage_from_response(flavor, body) == usage
    for path, required in counts.items():
        where, field = ".".join(path[:-1]), path[-1]
        assert _message(flavor, _with(body, path, -1)) == f"{where}.{field} must be a non-negative integer, got -1"
        assert _message(flavor, _with(body, path, "5")) == f"{where}.{field} must be a non-negative integer, got '5'"
        missing = _with(body, path, KeyError)
        if required:
            assert _message(flavor, missing) == f"{where}.{field} is missing"
        else:
            assert usage_from_response(flavor, missing) != usage  # it was read: without it, the usage differs
    for path in blocks:
        assert _message(flavor, _with(body, path, [1])) == f"{'.'.join(path)} must be an object, got list"
        assert usage_from_response(flavor, _with(body, path, None)) != usage  # no details: no detailed counts


@pytest.mark.parametrize("flavor", ["openai-chat", "openai-responses", "openai-embeddings", "openai-images",
                                    "openai-transcription", "openai-video", "anthropic", "gemini", "rerank"])
def test_a_response_that_is_not_an_object_is_named_by_its_flavor(flavor: str) -> None:
    assert _message(flavor, []) == f"{flavor} response must be an object, got list"


@pytest.mark.parametrize(("flavor", "key"), [("openai-chat", "usage"), ("openai-responses", "usage"),
                                             ("openai-embeddings", "usage"), ("openai-transcription", "usage"),
                                             ("anthropic", "usage"), ("gemini", "usageMetadata")])
def test_a_response_without_usage_says_where_usage_is_read(flavor: str, key: str) -> None:
    assert _message(flavor, {"id": "x"}) == (f"{flavor} response has no `{key}` (for streams, ask for usage and read "
                                             "the final chunk)")
    assert _message(flavor, {key: 5}) == f"{key} must be an object, got int"


def test_a_stream_event_is_read_only_when_the_body_has_no_usage_of_its_own() -> None:
    own = {"usage": {"input_tokens": 1, "output_tokens": 2}}
    inner = {"usage": {"input_tokens": 8, "output_tokens": 9}}
    assert usage_from_response("openai-responses", {**own, "response": inner}) == Usage(input_tokens=1,
                                                                                          output_tokens=2)
    assert usage_from_response("openai-responses", {"response": inner}) == Usage(input_tokens=8, output_tokens=9)
    assert usage_from_response("anthropic", {**own, "message": inner}) == Usage(input_tokens=1, output_tokens=2)
    assert usage_from_response("anthropic", {"message": inner}) == Usage(input_tokens=8, output_tokens=9)


@pytest.mark.parametrize(("flavor", "path", "where"), [
    ("openai-chat", ("usage", "completion_tokens_details", "audio_tokens"), "usage.completion_tokens_details"),
    ("openai-chat", ("usage", "completion_tokens_details", "image_tokens"), "usage.completion_tokens_details"),
    ("openai-chat", ("usage", "prompt_tokens_details", "audio_tokens"), "usage.prompt_tokens_details"),
])
def test_tokens_billed_at_other_rates_are_refused_by_name(flavor: str, path: tuple[str, ...], where: str) -> None:
    body = _with(SHAPES[flavor][0], path, 3)
    with pytest.raises(UnpricedUsage) as raised:
        usage_from_response(flavor, body)
    assert str(raised.value) == (f"{where}.{path[-1]} = 3: the catalog prices text tokens only, and these tokens are "
                                 "billed at other rates; never priced as text")
    assert usage_from_response(flavor, _with(body, path, 0)) == SHAPES[flavor][1]  # none of them: nothing to refuse
    with pytest.raises(InvalidUsage, match=f"^{where}.{path[-1]} must be a non-negative integer, got -1$"):
        usage_from_response(flavor, _with(body, path, -1))


def test_gemini_refuses_non_text_modalities_by_name() -> None:
    body = {"usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                              "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 3},
                                                          {"modality": "AUDIO", "tokenCount": 2}]}}
    with pytest.raises(UnpricedUsage) as raised:
        usage_from_response("gemini", body)
    assert str(raised.value) == ("usageMetadata.candidatesTokensDetails: 2 AUDIO tokens; the catalog prices them as "
                                 "text only when the provider does")
    text_only = {"usageMetadata": {**body["usageMetadata"], "candidatesTokensDetails": [
        {"modality": "TEXT", "tokenCount": 3}, {"modality": "AUDIO", "tokenCount": 0}, "junk"]}}
    assert usage_from_response("gemini", text_only) == Usage(input_tokens=10, output_tokens=5)
    images_in = {"usageMetadata": {"promptTokenCount": 10, "promptTokensDetails": [
        {"modality": "IMAGE", "tokenCount": 9}, {"modality": "DOCUMENT", "tokenCount": 1}]}}
    assert usage_from_response("gemini", images_in) == Usage(input_tokens=10)  # billed as text by the provider


def test_images_keep_the_size_and_quality_the_provider_chose() -> None:
    body = {"data": [{"url": "a"}], "size": "1024x1024", "quality": "hd"}
    assert usage_from_response("openai-images", body) == Usage(images=1, image_size="1024x1024", image_quality="hd")
    chosen_by_provider = {"data": [{}, {}], "size": "auto", "quality": "auto"}
    assert usage_from_response("openai-images", chosen_by_provider) == Usage(images=2)
    not_text = {"data": [], "size": 1024, "quality": 3}
    assert usage_from_response("openai-images", not_text) == Usage(images=0)


def test_video_seconds_are_a_whole_number_of_at_most_nine_digits() -> None:
    assert usage_from_response("openai-video", {"seconds": "123456789", "size": "720p"}) == Usage(
        video_seconds=123_456_789, video_resolution="720p")
    assert usage_from_response("openai-video", {"seconds": 0, "size": 720}) == Usage()
    for seconds in ("1234567890", -1, "-1", 1.5, "٣", None):
        assert _message("openai-video", {"seconds": seconds}) == (
            f"openai-video response needs `seconds` (a whole number), got {seconds!r}")


def test_transcription_durations() -> None:
    assert usage_from_response("openai-transcription", {"usage": {"type": "duration", "seconds": 0.1}}) == Usage(
        audio_seconds=Decimal("0.1"))
    assert _message("openai-transcription", {"usage": {"type": "duration", "seconds": "8"}}) == (
        "usage.seconds must be a number of seconds, got '8'")


def test_rerank_reads_every_count_it_reports() -> None:
    assert usage_from_response("rerank", {"meta": {"billed_units": {"input_tokens": 40}}}) == Usage(input_tokens=40)
    assert usage_from_response("rerank", {"meta": {"billed_units": {"search_units": 0}}}) == Usage()
    assert usage_from_response("rerank", {"meta": "v2", "usage": {"total_tokens": 7}}) == Usage(input_tokens=7)
    assert _message("rerank", {"usage": {"total_tokens": -1}}) == "usage.total_tokens must be a non-negative integer, got -1"
    assert _message("rerank", {"meta": {}}) == ("rerank response reports neither meta.billed_units (search_units, "
                                                "input_tokens) nor usage.total_tokens")
