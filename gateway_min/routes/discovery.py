"""`GET /.well-known/opencode` and `/external/opencode`: what OpenCode reads to add this gateway as a provider.

The document is OpenCode's "well-known" provider document, as `opencode auth login <gateway URL>` reads it
(sst/opencode, packages/opencode/src/cli/cmd/auth.ts and config/config.ts): `auth.command` is run once and prints
the credential, which OpenCode keeps and exposes as the `auth.env` variable; `config` is merged into the user's
configuration (schema https://opencode.ai/config.json). Here the credential is a Compose Key the user exports as
COMPOSE_API_KEY, and the configuration adds provider `compose`: `@ai-sdk/openai-compatible` on this gateway's
`/external/v1`, with every chat model it serves, its limits (`limit.context`, `limit.output`) and its token prices
in force now (`cost.input`, `output`, `cache_read`, `cache_write`: USD per million tokens, the base tier), written
as exact decimal numbers. The gateway's URL is GATEWAY_PUBLIC_URL, or the request's own scheme and Host.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

import orjson

import pricing
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_json
from gateway_min.http.types import Send
from generated.catalog import MODELS, Model, Rate

ENV: Final = "COMPOSE_API_KEY"
_HOST: Final = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?")
COSTS: Final = (("input", "input"), ("output", "output"), ("cache_read", "cached_input"),
                ("cache_write", "cache_write"))


def base_url(gw: Gateway, request: Request) -> str:
    """The gateway's URL as this client reaches it: the configured public URL, or the request's scheme and Host."""
    if gw.public_url:
        return gw.public_url
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        raise HTTPError(400, "validation_error", "the Host header is not a host name: set GATEWAY_PUBLIC_URL")
    scheme = request.scope.get("scheme", "http")
    return f"{'https' if scheme == 'https' else 'http'}://{host}"


def per_million(rate: Rate) -> orjson.Fragment:
    """USD per million tokens, exact, as a JSON number (never a float)."""
    value = (Decimal(rate.num) / Decimal(rate.den)).normalize()
    return orjson.Fragment(format(value, "f").encode())


def model_entry(gw: Gateway, model: Model) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": model.name}
    if model.context_window and model.max_output_tokens:
        entry["limit"] = {"context": model.context_window, "output": model.max_output_tokens}
    tokens = pricing.price_set_at(model, gw.moment()).tokens
    if tokens is not None:
        cost = {name: per_million(rate) for name, field in COSTS if (rate := getattr(tokens, field)) is not None}
        if "input" in cost and "output" in cost:
            entry["cost"] = cost
    return entry


def document(gw: Gateway, request: Request) -> dict[str, Any]:
    base = base_url(gw, request)
    models = {model.id: model_entry(gw, model) for model in MODELS
              if "chat" in model.operations and gw.providers.for_model(model) is not None}
    return {
        "auth": {"command": ["printenv", ENV], "env": ENV},
        "config": {
            "$schema": "https://opencode.ai/config.json",
            "provider": {"compose": {
                "npm": "@ai-sdk/openai-compatible", "name": f"Compose gateway ({base.split('://', 1)[1]})",
                "options": {"baseURL": f"{base}/external/v1", "apiKey": f"{{env:{ENV}}}"},
                "models": models,
            }},
        },
    }


async def opencode(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, document(gw, request), {"cache-control": "no-store"})
