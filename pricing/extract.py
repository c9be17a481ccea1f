"""Provider responses → Usage, one extractor per API flavor, all normalised to one convention:
`input_tokens` counts every prompt token (cache reads and writes included) and `output_tokens` every completion
token (reasoning included). Missing or malformed counts raise InvalidUsage; token kinds the catalog cannot price
(audio or image output tokens) raise UnpricedUsage rather than being billed at the text rate.

Flavors: openai-chat (a completion, or the final usage chunk of a stream), openai-responses (a response, or its
`response.completed` event), openai-embeddings, openai-images, openai-transcription, openai-video, anthropic (a
message, or its message_start / message_delta events), gemini (a response or stream chunk with `usageMetadata`),
rerank (Cohere v2's `meta.billed_units.search_units` and `input_tokens`, or Voyage's and Jina's
`usage.total_tokens`: every count the answer reports; a caller keeps what its model is priced by).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

from pricing.errors import InvalidUsage, UnpricedUsage, shown
from pricing.usage import Usage, checked


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidUsage(f"{where} must be an object, got {type(value).__name__}")
    return value


def _count(block: Mapping[str, Any], field: str, where: str, *, required: bool = False) -> int:
    value = block.get(field)
    if value is None:
        if required:
            raise InvalidUsage(f"{where}.{field} is missing")
        return 0
    if type(value) is not int or value < 0:
        raise InvalidUsage(f"{where}.{field} must be a non-negative integer, got {shown(value)}")
    return value


def _usage_block(body: Any, flavor: str, key: str = "usage") -> Mapping[str, Any]:
    block = _object(body, f"{flavor} response").get(key)
    if block is None:
        raise InvalidUsage(f"{flavor} response has no `{key}` (for streams, ask for usage and read the final chunk)")
    return _object(block, key)


def _no_unpriced(block: Mapping[str, Any], where: str, fields: tuple[str, ...]) -> None:
    for field in fields:
        if _count(block, field, where):
            raise UnpricedUsage(f"{where}.{field} = {block[field]}: the catalog prices text tokens only, and "
                                "these tokens are billed at other rates; never priced as text")


def openai_chat(body: Any) -> Usage:
    usage = _usage_block(body, "openai-chat")
    prompt = _object(usage.get("prompt_tokens_details") or {}, "usage.prompt_tokens_details")
    completion = _object(usage.get("completion_tokens_details") or {}, "usage.completion_tokens_details")
    _no_unpriced(completion, "usage.completion_tokens_details", ("audio_tokens", "image_tokens"))
    _no_unpriced(prompt, "usage.prompt_tokens_details", ("audio_tokens",))
    return Usage(
        input_tokens=_count(usage, "prompt_tokens", "usage", required=True),
        cached_input_tokens=_count(prompt, "cached_tokens", "usage.prompt_tokens_details"),
        cache_write_tokens=_count(prompt, "cache_write_tokens", "usage.prompt_tokens_details"),
        output_tokens=_count(usage, "completion_tokens", "usage", required=True),
        reasoning_tokens=_count(completion, "reasoning_tokens", "usage.completion_tokens_details"),
    )


def openai_responses(body: Any) -> Usage:
    top = _object(body, "openai-responses response")
    if "usage" not in top and isinstance(top.get("response"), Mapping):  # response.completed stream event
        top = top["response"]
    usage = _usage_block(top, "openai-responses")
    details_in = _object(usage.get("input_tokens_details") or {}, "usage.input_tokens_details")
    details_out = _object(usage.get("output_tokens_details") or {}, "usage.output_tokens_details")
    return Usage(
        input_tokens=_count(usage, "input_tokens", "usage", required=True),
        cached_input_tokens=_count(details_in, "cached_tokens", "usage.input_tokens_details"),
        cache_write_tokens=_count(details_in, "cache_write_tokens", "usage.input_tokens_details"),
        output_tokens=_count(usage, "output_tokens", "usage", required=True),
        reasoning_tokens=_count(details_out, "reasoning_tokens", "usage.output_tokens_details"),
    )


def openai_embeddings(body: Any) -> Usage:
    usage = _usage_block(body, "openai-embeddings")
    return Usage(input_tokens=_count(usage, "prompt_tokens", "usage", required=True))


def openai_images(body: Any) -> Usage:
    """Images are priced per generated image (the catalog's per-image sections), counted from `data`."""
    top = _object(body, "openai-images response")
    data = top.get("data")
    if not isinstance(data, list):
        raise InvalidUsage("openai-images response has no `data` list of generated images")
    size, quality = top.get("size"), top.get("quality")
    return Usage(images=len(data), image_size=size if isinstance(size, str) and size != "auto" else None,
                 image_quality=quality if isinstance(quality, str) and quality != "auto" else None)


def openai_transcription(body: Any) -> Usage:
    usage = _usage_block(body, "openai-transcription")
    if usage.get("type") == "duration":
        raw = usage.get("seconds")
        if type(raw) is float:  # JSON durations may be fractional: keep the shortest exact decimal
            return Usage(audio_seconds=Decimal(repr(raw)))
        if type(raw) is not int:
            raise InvalidUsage(f"usage.seconds must be a number of seconds, got {shown(raw)}")
        return Usage(audio_seconds=raw)
    return Usage(input_tokens=_count(usage, "input_tokens", "usage", required=True),
                 output_tokens=_count(usage, "output_tokens", "usage", required=True))


def openai_video(body: Any) -> Usage:
    top = _object(body, "openai-video response")
    seconds = top.get("seconds")
    if isinstance(seconds, str) and seconds.isascii() and seconds.isdigit() and len(seconds) <= 9:
        seconds = int(seconds)
    if type(seconds) is not int or seconds < 0:
        raise InvalidUsage(f"openai-video response needs `seconds` (a whole number), got {shown(seconds)}")
    size = top.get("size")
    return Usage(video_seconds=seconds, video_resolution=size if isinstance(size, str) else None)


def anthropic(body: Any) -> Usage:
    """Anthropic's `input_tokens` excludes cache reads and writes: they are added back here."""
    top = _object(body, "anthropic response")
    if "usage" not in top and isinstance(top.get("message"), Mapping):  # message_start stream event
        top = top["message"]
    usage = _usage_block(top, "anthropic")
    uncached = _count(usage, "input_tokens", "usage", required=True)  # a message_delta without it is not final
    read = _count(usage, "cache_read_input_tokens", "usage")
    write = _count(usage, "cache_creation_input_tokens", "usage")
    details = _object(usage.get("output_tokens_details") or {}, "usage.output_tokens_details")
    return Usage(
        input_tokens=uncached + read + write,
        cached_input_tokens=read,
        cache_write_tokens=write,
        output_tokens=_count(usage, "output_tokens", "usage", required=True),
        reasoning_tokens=_count(details, "thinking_tokens", "usage.output_tokens_details"),
    )


def gemini(body: Any) -> Usage:
    """`promptTokenCount` includes cached content; thoughts are billed as output and are not in candidates."""
    meta = _usage_block(body, "gemini", "usageMetadata")
    thoughts = _count(meta, "thoughtsTokenCount", "usageMetadata")
    # output other than text, and audio input, are billed at their own rates, which the catalog does not hold
    for field, billed_as_text in (("candidatesTokensDetails", ("TEXT",)),
                                  ("promptTokensDetails", ("TEXT", "IMAGE", "VIDEO", "DOCUMENT"))):
        details = meta.get(field) or []
        if not isinstance(details, list):
            raise InvalidUsage(f"usageMetadata.{field} must be a list, got {type(details).__name__}")
        for detail in details:
            if not isinstance(detail, Mapping) or detail.get("modality") in billed_as_text:
                continue
            if detail.get("tokenCount"):
                raise UnpricedUsage(f"usageMetadata.{field}: {detail['tokenCount']} {detail.get('modality')} tokens; "
                                    "the catalog prices them as text only when the provider does")
    return Usage(
        input_tokens=_count(meta, "promptTokenCount", "usageMetadata", required=True)
        + _count(meta, "toolUsePromptTokenCount", "usageMetadata"),
        cached_input_tokens=_count(meta, "cachedContentTokenCount", "usageMetadata"),
        output_tokens=_count(meta, "candidatesTokenCount", "usageMetadata") + thoughts,
        reasoning_tokens=thoughts,
    )


def rerank(body: Any) -> Usage:
    top = _object(body, "rerank response")
    meta = top.get("meta")
    billed = _object(meta, "meta").get("billed_units") if isinstance(meta, Mapping) else None
    searches = tokens = 0
    found = False
    if isinstance(billed, Mapping):
        searches = _count(billed, "search_units", "meta.billed_units")
        tokens = _count(billed, "input_tokens", "meta.billed_units")
        found = "search_units" in billed or "input_tokens" in billed
    usage = top.get("usage")
    if isinstance(usage, Mapping) and "total_tokens" in usage:
        tokens = _count(usage, "total_tokens", "usage")
        found = True
    if not found:
        raise InvalidUsage("rerank response reports neither meta.billed_units (search_units, input_tokens) nor "
                           "usage.total_tokens")
    return Usage(input_tokens=tokens, searches=searches)


EXTRACTORS: Final[Mapping[str, Callable[[Any], Usage]]] = {
    "openai-chat": openai_chat,
    "openai-responses": openai_responses,
    "openai-embeddings": openai_embeddings,
    "openai-images": openai_images,
    "openai-transcription": openai_transcription,
    "openai-video": openai_video,
    "anthropic": anthropic,
    "gemini": gemini,
    "rerank": rerank,
}


def usage_from_response(flavor: str, body: Any) -> Usage:
    """The normalised, validated Usage of a provider response (or of a stream's final usage chunk)."""
    extractor = EXTRACTORS.get(flavor) if isinstance(flavor, str) else None
    if extractor is None:
        raise InvalidUsage(f"unknown API flavor {shown(flavor)}; flavors: {', '.join(EXTRACTORS)}")
    return checked(extractor(body))
