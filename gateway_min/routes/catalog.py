"""Free catalog routes (contract §1.2, §7.1). Native rows are routes/model_rows.py's; the /external/v1 lists stay
OpenAI's (`id`, `object`, `created`, `owned_by`).

- `GET /v1/models` (`provider`, `modality`; `limit` 1–200 with `cursor` pages it), `GET /v1/models/all`;
- `POST /v1/models/search` (JSON body or query: `q`, `modality`, `operation`, `provider`, `priceMaxPerMTok`,
  `contextWindowMin`, `streaming`, `cursor`, `limit` ≤ 200, default 50) → `{object, data, total, next_cursor}`;
- `GET /v1/models/{model}`, `GET /v1/models/{model}/params`;
- `GET /v1/modalities`, `/v1/modalities/{modality}`, `/v1/modalities/{modality}/operations`,
  `/v1/modalities/{modality}/operations/{operation}/models` (paged like search).
A filter that names nothing the catalog knows (a modality, operation or provider) is a 400, never an empty list.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

import pricing
from gateway_min.context import Gateway
from gateway_min.http import SMALL_BODY, HTTPError, Request, send_json
from gateway_min.http.types import Send
from gateway_min.routes.model_rows import LISTING, MODALITIES, OPERATION_MODALITY, TYPES, params, row
from generated.catalog import MODEL_INDEX, MODELS, PROVIDERS, Model

_OPENAI_FIELDS: Final = ("id", "object", "created", "owned_by")
MAX_LIMIT: Final = 200
SEARCH_LIMIT: Final = 50


def _now(gw: Gateway) -> str:
    """The gateway clock, which picks the price set in force on every route."""
    return gw.moment().strftime("%Y-%m-%dT%H:%M:%SZ")


def _rows(gw: Gateway, models: list[Model]) -> list[dict[str, Any]]:
    now = _now(gw)
    return [row(model, now, gw.providers.for_model(model) is not None) for model in models]


def _int(value: Any, name: str, least: int, most: int | None = None) -> int:
    text = str(value) if type(value) in (int, str) else ""
    if not text.isascii() or not text.isdigit() or int(text) < least or (most is not None and int(text) > most):
        bound = f" to {most}" if most is not None else " or more"
        raise HTTPError(400, "validation_error", f"`{name}` must be an integer from {least}{bound}, got {value!r}")
    return int(text)


def _page(rows: list[dict[str, Any]], filters: dict[str, Any], default: int | None) -> dict[str, Any]:
    limit = _int(filters["limit"], "limit", 1, MAX_LIMIT) if filters.get("limit") is not None else default
    start = _int(filters["cursor"], "cursor", 0) if filters.get("cursor") is not None else 0
    if limit is None:
        return {"object": "list", "data": rows[start:], "total": len(rows), "next_cursor": None}
    end = start + limit
    return {"object": "list", "data": rows[start:end], "total": len(rows),
            "next_cursor": str(end) if end < len(rows) else None}


def _known(value: Any, name: str, allowed: tuple[str, ...] | list[str]) -> str:
    if value not in allowed:
        raise HTTPError(400, "validation_error", f"unknown {name} {value!r}: one of {', '.join(allowed)}")
    return str(value)


def select(filters: dict[str, Any], at: datetime) -> list[Model]:
    """The catalog's models that pass `filters` (search's fields), in catalog order."""
    models = list(MODELS)
    if filters.get("provider") is not None:
        provider = _known(filters["provider"], "provider", sorted(PROVIDERS))
        models = [m for m in models if m.provider == provider]
    if filters.get("modality") is not None:
        modality = _known(filters["modality"], "modality", MODALITIES)
        models = [m for m in models if any(OPERATION_MODALITY[op] == modality for op in m.operations)]
    if filters.get("operation") is not None:
        names = {**{op: op for op in TYPES}, **{kind: op for op, kind in TYPES.items()}}
        operation = names[_known(filters["operation"], "operation", sorted(names))]
        models = [m for m in models if operation in m.operations]
    if filters.get("q") is not None:
        words = str(filters["q"]).lower().split()
        models = [m for m in models if all(any(w in text.lower() for text in (m.id, m.name, *m.aliases))
                                           for w in words)]
    if filters.get("contextWindowMin") is not None:
        least = _int(filters["contextWindowMin"], "contextWindowMin", 0)
        models = [m for m in models if (m.context_window or 0) >= least]
    if filters.get("streaming") is not None:
        streaming = filters["streaming"] in (True, "true", "1")
        models = [m for m in models if ("chat" in m.operations) == streaming]
    if filters.get("priceMaxPerMTok") is not None:
        most = _price(filters["priceMaxPerMTok"])
        models = [m for m in models if _input_at_most(m, most, at)]
    return models


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value)) if type(value) in (int, str) else None
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price < 0:
        raise HTTPError(400, "validation_error", f"`priceMaxPerMTok` must be a non-negative decimal (USD per "
                        f"million input tokens), got {value!r}")
    return price


def _input_at_most(model: Model, most: Decimal, at: datetime) -> bool:
    tokens = pricing.price_set_at(model, at).tokens
    if tokens is None or tokens.input is None:
        return False
    return Decimal(tokens.input.num) / Decimal(tokens.input.den) <= most


async def list_models(gw: Gateway, request: Request, send: Send, *, external: bool = False) -> None:
    if external:
        data = [{field: entry[field] for field in _OPENAI_FIELDS} for entry in LISTING["data"]]
        await send_json(send, 200, {"object": "list", "data": data})
        return
    filters = {name: request.query.get(name) for name in ("provider", "modality", "limit", "cursor")}
    await send_json(send, 200, _page(_rows(gw, select(filters, gw.moment())), filters, None))


async def all_models(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, {"object": "list", "data": _rows(gw, list(MODELS))})


async def search(gw: Gateway, request: Request, send: Send) -> None:
    filters: dict[str, Any] = dict(request.query)
    if await request.body(SMALL_BODY):
        filters.update(await request.json(SMALL_BODY))
    if "price_max_per_mtok" in filters:
        filters.setdefault("priceMaxPerMTok", filters["price_max_per_mtok"])
    if "context_window_min" in filters:
        filters.setdefault("contextWindowMin", filters["context_window_min"])
    await send_json(send, 200, _page(_rows(gw, select(filters, gw.moment())), filters, SEARCH_LIMIT))


def _model(request: Request) -> Model:
    name = request.params["model"]
    model = MODEL_INDEX.get(name)
    if model is None:
        raise HTTPError(404, "model_not_found", f"The model '{name[:200]}' does not exist")
    return model


async def get_model(gw: Gateway, request: Request, send: Send, *, external: bool = False) -> None:
    model = _model(request)
    if external:
        entry = next(e for e in LISTING["data"] if e["id"] == model.id)
        await send_json(send, 200, {field: entry[field] for field in _OPENAI_FIELDS})
        return
    await send_json(send, 200, _rows(gw, [model])[0])


async def model_params(gw: Gateway, request: Request, send: Send) -> None:
    model = _model(request)
    spec, defaults = params(model, pricing.price_set_at(model, gw.moment()))
    await send_json(send, 200, {"modelId": model.id, "type": TYPES[model.operations[0]], "provider": model.provider,
                                "params": spec, "defaults": defaults})


def _modality_entry(modality: str) -> dict[str, Any]:
    operations = []
    for operation, kind in TYPES.items():
        if OPERATION_MODALITY[operation] != modality:
            continue
        count = sum(operation in model.operations for model in MODELS)
        if count:
            operations.append({"operation": operation, "type": kind, "modelCount": count})
    total = sum(any(OPERATION_MODALITY[op] == modality for op in model.operations) for model in MODELS)
    return {"modality": modality, "operations": operations, "modelCount": total}


async def modalities(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, {"object": "list", "data": [_modality_entry(m) for m in MODALITIES]})


async def modality(gw: Gateway, request: Request, send: Send) -> None:
    await send_json(send, 200, _modality_entry(_known(request.params["modality"], "modality", MODALITIES)))


async def modality_operations(gw: Gateway, request: Request, send: Send) -> None:
    entry = _modality_entry(_known(request.params["modality"], "modality", MODALITIES))
    await send_json(send, 200, {"object": "list", "data": entry["operations"]})


async def operation_models(gw: Gateway, request: Request, send: Send) -> None:
    filters: dict[str, Any] = {**request.query, "modality": request.params["modality"],
                               "operation": request.params["operation"]}
    await send_json(send, 200, _page(_rows(gw, select(filters, gw.moment())), filters, SEARCH_LIMIT))
