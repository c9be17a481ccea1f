"""Token usage as others report it, in pricing's field names: every shape the contract lists (§7.3).

Compose's camelCase (`promptTokens`…), OpenAI's chat (`prompt_tokens` with `*_details`) and Responses API
(`input_tokens` with `*_details` or `total_tokens`), Google's `usageMetadata` (`*TokenCount`), or ours
(`input_tokens`, `cached_input_tokens`…). One reader, so that the same usage is the same charge on every route:
the meter quote (intents.py), the agent and workflow runtimes (runtime_meter.py), and providers' answers and
stream usage chunks (settlement.py, streaming.py). Usage is read whole or not at all: a count named twice, or in
another shape than the usage is read as, would be dropped by the reader, so it is refused (one_shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pricing

TOKEN_FIELDS: Final = ("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")
CAMEL: Final = {"promptTokens": "input_tokens", "inputTokens": "input_tokens", "completionTokens": "output_tokens",
                "outputTokens": "output_tokens", "cachedTokens": "cached_input_tokens",
                "reasoningTokens": "reasoning_tokens"}
# every name a count (or a count's details) goes by: a usage names each once, in one shape
ALIASES: Final = {
    "input count": ("promptTokens", "inputTokens", "prompt_tokens", "input_tokens", "promptTokenCount"),
    "output count": ("completionTokens", "outputTokens", "completion_tokens", "output_tokens", "candidatesTokenCount"),
    "cached input count": ("cachedTokens", "cached_input_tokens", "cachedContentTokenCount"),
    "reasoning count": ("reasoningTokens", "reasoning_tokens", "thoughtsTokenCount"),
    "cache write count": ("cache_write_tokens",),
    "total": ("totalTokens", "total_tokens", "totalTokenCount"),
    "input details": ("prompt_tokens_details", "input_tokens_details"),
    "output details": ("completion_tokens_details", "output_tokens_details"),
}
GROUP: Final = {name: count for count, names in ALIASES.items() for name in names}  # count name → which count
SHAPES: Final = {  # the count names each reader understands; any other count name would be silently ignored
    "gemini": frozenset({"promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
                         "totalTokenCount"}),
    "openai-chat": frozenset({"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details",
                              "completion_tokens_details"}),
    "openai-responses": frozenset({"input_tokens", "output_tokens", "total_tokens", "input_tokens_details",
                                   "output_tokens_details"}),
    "fields": frozenset({*CAMEL, *TOKEN_FIELDS, "totalTokens"}),
}


def one_shape(given: Mapping[str, Any], shape: str) -> None:
    """Refuse usage that names a count twice, or in another shape than the one it is read as: the reader would
    silently drop the other name (prompt_tokens with outputTokens read as OpenAI's drops the output). On the paid
    path for every answer, so a set intersection first: the usual usage passes at that."""
    present = GROUP.keys() & given.keys()
    counts = [GROUP[name] for name in present]
    if len(set(counts)) == len(counts) and present <= SHAPES[shape]:
        return
    for count, names in ALIASES.items():
        named = [name for name in names if name in given]
        if len(named) > 1:
            raise pricing.InvalidUsage(f"usage names its {count} twice: {', '.join(named)}")
    stray = [name for names in ALIASES.values() for name in names if name in given and name not in SHAPES[shape]]
    raise pricing.InvalidUsage(f"usage mixes shapes: {', '.join(stray)} with the {shape} fields it is read as")


def token_counts(given: Mapping[str, Any], google: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Our usage fields from `given` (a usage object) or Google's `usageMetadata`; raises pricing.InvalidUsage
    for what cannot be read, a bare total, a count named twice or shapes mixed. Field by field for
    camelCase and ours: their values are checked where they are priced. Totals are sums, never quantities."""
    if google is None and any(name.endswith("TokenCount") for name in given):
        google, given = given, {}
    if google is not None:
        one_shape({**given, **google}, "gemini")
        found = pricing.usage_from_response("gemini", {"usageMetadata": dict(google)})
    elif "prompt_tokens" in given or "completion_tokens" in given:
        one_shape(given, "openai-chat")
        found = pricing.usage_from_response("openai-chat", {"usage": {"completion_tokens": 0, **given}})
    elif not given.keys().isdisjoint({"input_tokens_details", "output_tokens_details", "total_tokens"}):
        one_shape(given, "openai-responses")
        found = pricing.usage_from_response("openai-responses", {"usage": {"output_tokens": 0, **given}})
    else:
        one_shape(given, "fields")
        if "totalTokens" in given and not given.keys() & {*CAMEL, *TOKEN_FIELDS}:
            raise pricing.InvalidUsage("usage.totalTokens alone cannot be priced: send promptTokens and "
                                       "completionTokens (input and output are priced apart)")
        return {CAMEL.get(name, name): value for name, value in given.items() if name != "totalTokens"}
    return {name: getattr(found, name) for name in TOKEN_FIELDS if getattr(found, name)}


def read(flavor: str, document: Any) -> pricing.Usage:
    """pricing.usage_from_response for a provider's answer or stream chunk, its `usage` read whole (one_shape): an
    OpenAI-compatible usage (chat, and embeddings, whose usage is chat's) may not name a count in another shape."""
    if flavor in ("openai-chat", "openai-embeddings") and isinstance(document, Mapping) and \
            isinstance(document.get("usage"), Mapping):
        one_shape(document["usage"], "openai-chat")
    return pricing.usage_from_response(flavor, document)
