"""`GET /.well-known/opencode` and `/external/opencode`: what OpenCode reads to add this gateway as a provider.

Two documents, as Compose.Market serves them (compose-market/api, inference/external.ts):
- `/.well-known/opencode` is `{"config": …}`: the shape OpenCode reads from a provider's well-known URL and merges
  into the user's configuration (sst/opencode, packages/opencode/src/config/config.ts; schema
  https://opencode.ai/config.json). It deliberately carries no `auth.command`: OpenCode would run that command on
  the user's machine, and a gateway has no business choosing one.
- `/external/opencode` is the configuration itself, with `options.apiKey` read from the COMPOSE_MARKET_API_KEY
  environment variable (`{env:…}`, OpenCode's substitution): paste it into opencode.json, export a Compose Key.
The configuration adds provider `compose-market`: `@ai-sdk/openai-compatible` on this gateway's `/external/v1`
(`includeUsage`, so streams report usage), with every chat model it serves, its limits (`limit.context`,
`limit.output`) and its token prices in force now (`cost.input`, `output`, `cache_read`, `cache_write`: USD per
million tokens, the base tier), written as exact decimal numbers. The gateway's URL is GATEWAY_PUBLIC_URL, or the
request's own scheme and Host.
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

ENV: Final = "COMPOSE_MARKET_API_KEY"
PROVIDER: Final = "compose-market"
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


def config(gw: Gateway, request: Request, *, with_key: bool) -> dict[str, Any]:
    base = base_url(gw, request)
    models = {model.id: model_entry(gw, model) for model in MODELS
              if "chat" in model.operations and gw.providers.for_model(model) is not None}
    options: dict[str, Any] = {"baseURL": f"{base}/external/v1", "includeUsage": True}
    if with_key:
        options["apiKey"] = f"{{env:{ENV}}}"
    return {"$schema": "https://opencode.ai/config.json", "provider": {PROVIDER: {
        "npm": "@ai-sdk/openai-compatible", "name": f"Compose.Market gateway ({base.split('://', 1)[1]})",
        "options": options, "models": models}}}


async def well_known(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, {"config": config(gw, request, with_key=False)}, {"cache-control": "no-store"})


async def opencode(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, config(gw, request, with_key=True), {"cache-control": "no-store"})
