"""A catalog model as the native catalog routes show it: our listing entry (id, aliases, the full price history
`prices` and the set in force as `pricing`, exact decimal strings) plus the contract's `Model` fields (§7.1):
`modelId`, `provider`, `upstreamModelId`, `name`, `type`, `input`, `output`, `contextWindow`, `maxOutputTokens`,
`capabilities`, `operations`, and `served` (whether this gateway has a provider for it). And each operation's
request parameters (`/v1/models/{model}/params`), from the catalog: the media options a price depends on, the
output limit a model publishes."""

from __future__ import annotations

from importlib import resources
from typing import Any, Final

import orjson

from generated.catalog import MediaGroup, Model, PriceSet

LISTING: Final[dict[str, Any]] = orjson.loads(resources.files("generated").joinpath("models.json").read_bytes())
BY_ID: Final[dict[str, dict[str, Any]]] = {entry["id"]: entry for entry in LISTING["data"]}
MODALITIES: Final = ("text", "image", "audio", "video", "embedding")
TYPES: Final = {"chat": "chat-completions", "embeddings": "embeddings", "images": "text-to-image",
                "speech": "text-to-speech", "transcription": "speech-to-text", "video": "text-to-video",
                "rerank": "rerank"}
SHAPES: Final = {"chat": (["text"], ["text"]), "embeddings": (["text"], ["embedding"]), "images": (["text"], ["image"]),
                 "speech": (["text"], ["audio"]), "transcription": (["audio"], ["text"]),
                 "video": (["text"], ["video"]), "rerank": (["text"], ["text"])}
OPERATION_MODALITY: Final = {"chat": "text", "embeddings": "embedding", "images": "image", "speech": "audio",
                             "transcription": "audio", "video": "video", "rerank": "text"}


def in_force(entry: dict[str, Any], now: str) -> dict[str, Any]:
    """The price set in force now (ISO UTC strings compare in time order)."""
    sets = entry["prices"]
    return next((s for s in reversed(sets) if s["effective_from"] is None or s["effective_from"] <= now), sets[0])


def row(model: Model, now: str, served: bool) -> dict[str, Any]:
    entry = BY_ID[model.id]
    inputs = sorted({kind for operation in model.operations for kind in SHAPES[operation][0]})
    outputs = sorted({kind for operation in model.operations for kind in SHAPES[operation][1]})
    return {**entry, "pricing": in_force(entry, now), "modelId": model.id, "provider": model.provider,
            "upstreamModelId": model.upstream_id, "type": TYPES[model.operations[0]], "input": inputs,
            "output": outputs, "contextWindow": {"inputTokens": model.context_window,
                                                 "outputTokens": model.max_output_tokens},
            "maxOutputTokens": model.max_output_tokens,
            "capabilities": ["streaming"] if "chat" in model.operations else [],
            "operations": [{"operation": operation, "modality": OPERATION_MODALITY[operation],
                            "type": TYPES[operation]} for operation in model.operations],
            "served": served}


def _choices(group: MediaGroup | None, param: str) -> tuple[list[str], str | None]:
    if group is None or param not in group.params:
        return [], None
    index = group.params.index(param)
    options = sorted({option.values[index] for option in group.options})
    return options, group.default.values[index]


def params(model: Model, prices: PriceSet) -> tuple[dict[str, Any], dict[str, Any]]:
    """(params by name: type, required, default, options, minimum, maximum, description; the defaults)."""
    out: dict[str, Any] = {}
    for operation in model.operations:
        out.update(_params(operation, model, prices))
    defaults = {name: spec["default"] for name, spec in out.items() if "default" in spec}
    return out, defaults


def _media(name: str, group: MediaGroup | None, description: str) -> dict[str, Any]:
    options, default = _choices(group, name)
    spec: dict[str, Any] = {"type": "string", "required": False, "description": description}
    if options:
        spec["options"] = options
    if default is not None:
        spec["default"] = default
    return spec


def _params(operation: str, model: Model, prices: PriceSet) -> dict[str, Any]:
    limit = model.max_output_tokens
    if operation == "chat":
        tokens: dict[str, Any] = {"type": "integer", "required": False, "minimum": 1,
                                  "description": "output tokens; the gateway enforces the least of this, the "
                                  "model's limit and what the budget covers"}
        if limit is not None:
            tokens["maximum"] = limit
        return {"messages": {"type": "array", "required": True, "description": "chat messages (or `input` on "
                             "/v1/responses)"}, "max_tokens": tokens, "max_output_tokens": tokens,
                "stream": {"type": "boolean", "required": False, "default": False},
                "n": {"type": "integer", "required": False, "minimum": 1, "maximum": 128, "default": 1},
                "tools": {"type": "array", "required": False, "description": "function tools only"}}
    if operation == "embeddings":
        return {"input": {"type": "string | array", "required": True},
                "encoding_format": {"type": "string", "required": False, "options": ["base64", "float"],
                                    "default": "float"},
                "dimensions": {"type": "integer", "required": False, "minimum": 1}}
    if operation == "images":
        return {"prompt": {"type": "string", "required": True},
                "n": {"type": "integer", "required": False, "minimum": 1, "maximum": 10, "default": 1},
                "size": _media("size", prices.images, "priced by size"),
                "quality": _media("quality", prices.images, "priced by quality")}
    if operation == "speech":
        return {"input": {"type": "string", "required": True, "description": "priced by its characters"},
                "voice": {"type": "string", "required": True},
                "response_format": {"type": "string", "required": False,
                                    "options": ["aac", "flac", "mp3", "opus", "pcm", "wav"], "default": "mp3"}}
    if operation == "transcription":
        return {"file": {"type": "file", "required": True, "description": "priced by its duration"},
                "response_format": {"type": "string", "required": False, "options": ["json", "verbose_json"],
                                    "default": "json"}}
    if operation == "rerank":
        return {"query": {"type": "string", "required": True},
                "documents": {"type": "array", "required": True, "description": "strings, or objects with `text`"},
                "top_n": {"type": "integer", "required": False, "minimum": 1}}
    return {"prompt": {"type": "string", "required": True},
            "seconds": {"type": "integer", "required": True, "minimum": 1, "maximum": 3600},
            "size": _media("resolution", prices.video, "priced by resolution")}
