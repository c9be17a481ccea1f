"""Free catalog routes: /v1/models[/{id}] (and the /external/v1 twins) from the generated models.json."""

from __future__ import annotations

from importlib import resources
from typing import Any, Final

import orjson

from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_json
from gateway_min.http.types import Send
from generated.catalog import MODEL_INDEX

_LISTING: Final[dict[str, Any]] = orjson.loads(resources.files("generated").joinpath("models.json").read_bytes())
_BY_ID: Final[dict[str, dict[str, Any]]] = {entry["id"]: entry for entry in _LISTING["data"]}
_OPENAI_FIELDS: Final = ("id", "object", "created", "owned_by")


def _in_force(entry: dict[str, Any], now: str) -> dict[str, Any]:
    """The listing entry with `pricing`: the price set in force now (ISO UTC strings compare in time order)."""
    sets = entry["prices"]
    current = next((s for s in reversed(sets) if s["effective_from"] is None or s["effective_from"] <= now), sets[0])
    return {**entry, "pricing": current}


def _now(gw: Gateway) -> str:
    """The gateway clock, which picks the price set in force on every route."""
    return gw.moment().strftime("%Y-%m-%dT%H:%M:%SZ")


async def list_models(gw: Gateway, request: Request, send: Send, *, external: bool = False) -> None:
    data = _LISTING["data"]
    if provider := request.query.get("provider"):
        data = [entry for entry in data if entry["owned_by"] == provider]
    if modality := request.query.get("modality"):
        data = [entry for entry in data if entry["modality"] == modality]
    if external:
        data = [{field: entry[field] for field in _OPENAI_FIELDS} for entry in data]
    else:
        now = _now(gw)
        data = [_in_force(entry, now) for entry in data]
    await send_json(send, 200, {"object": "list", "data": data})


async def get_model(gw: Gateway, request: Request, send: Send, *, external: bool = False) -> None:
    name = request.params["model"]
    model = MODEL_INDEX.get(name)
    if model is None:
        raise HTTPError(404, "model_not_found", f"The model '{name}' does not exist")
    entry = _BY_ID[model.id]
    await send_json(send, 200, {field: entry[field] for field in _OPENAI_FIELDS} if external
                    else _in_force(entry, _now(gw)))
