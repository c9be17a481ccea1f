"""The route table: every route the gateway serves, its handler and its error style (routes/paid.py for the paid
model and runtime routes; catalog, keys, intents and the embedded facilitator for the rest)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Final

import orjson

from gateway_min import metrics
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_bytes, send_json
from gateway_min.http.auth import is_admin
from gateway_min.http.router import Handler, Router
from gateway_min.http.types import Send
from gateway_min.openapi.document import document
from gateway_min.payment.x402.facilitator import routes as facilitator
from gateway_min.routes import catalog, discovery, intents, keys, responses, session, videos
from gateway_min.routes.paid import handle
from gateway_min.runtime import routes as runtime
from gateway_min.work.model import admitting
from generated.catalog import CATALOG_VERSION

PAID: Final = {
    "chat/completions": "chat",
    "responses": "responses",
    "embeddings": "embeddings",
    "images/generations": "images",
    "images/edits": "image_edits",
    "audio/speech": "speech",
    "audio/transcriptions": "transcription",
    "videos/generations": "video",
    "videos": "video",
    "rerank": "rerank",
}


def build_router(gw: Gateway) -> Router:
    router = Router()

    def bind(handler: Callable[[Gateway, Request, Send], Awaitable[None]]) -> Handler:
        return partial(handler, gw)

    for suffix, operation in PAID.items():
        work = admitting(operation)
        router.add("POST", f"/v1/{suffix}", partial(handle, gw, admit=work))
        router.add("POST", f"/external/v1/{suffix}", partial(handle, gw, admit=work, external=True), style="openai")
    router.add("POST", "/api/inference", partial(handle, gw, admit=admitting("chat")))
    for prefix, style in (("/v1", "compose"), ("/external/v1", "openai")):
        external = style == "openai"
        base = f"{prefix}/responses/{{response_id}}"
        router.add("GET", base, partial(responses.read_back, gw, external=external), style=style)
        router.add("GET", f"{base}/input_items", partial(responses.read_back, gw, rest="/input_items",
                                                          external=external), style=style)
        router.add("POST", f"{base}/cancel", partial(responses.read_back, gw, method="POST", rest="/cancel",
                                                      external=external), style=style)
        video = f"{prefix}/videos/{{video_id}}"
        router.add("GET", video, partial(videos.get_video, gw, external=external), style=style)
        router.add("GET", f"{video}/content", partial(videos.get_content, gw, external=external), style=style)
    router.add("GET", "/v1/videos/{video_id}/stream", partial(videos.stream_status, gw))
    router.add("GET", "/v1/models", partial(catalog.list_models, gw))
    router.add("GET", "/v1/models/all", bind(catalog.all_models))
    router.add("POST", "/v1/models/search", bind(catalog.search))
    router.add("GET", "/v1/models/{model:path}/params", bind(catalog.model_params))  # before the bare id
    router.add("GET", "/v1/models/{model:path}", partial(catalog.get_model, gw))
    router.add("GET", "/v1/modalities", bind(catalog.modalities))
    router.add("GET", "/v1/modalities/{modality}", bind(catalog.modality))
    router.add("GET", "/v1/modalities/{modality}/operations", bind(catalog.modality_operations))
    router.add("GET", "/v1/modalities/{modality}/operations/{operation}/models", bind(catalog.operation_models))
    router.add("GET", "/external/v1/models", partial(catalog.list_models, gw, external=True), style="openai")
    router.add("GET", "/external/v1/models/{model:path}", partial(catalog.get_model, gw, external=True),
               style="openai")
    router.add("POST", "/api/keys", bind(keys.create_key))
    router.add("GET", "/api/keys", bind(keys.list_keys))
    router.add("GET", "/api/keys/{key_id}", bind(keys.get_key))
    router.add("DELETE", "/api/keys/{key_id}", bind(keys.delete_key))
    router.add("POST", "/api/keys/{key_id}/collection", bind(keys.decide_collection))
    router.add("GET", "/api/session", bind(session.get_session))
    router.add("GET", "/api/session/events", bind(session.session_events))
    router.add("POST", "/api/payments/prepare", bind(intents.prepare), style="legacy")
    router.add("POST", "/api/payments/settle", bind(intents.settle), style="legacy")
    router.add("POST", "/api/payments/abort", bind(intents.abort), style="legacy")
    router.add("POST", "/api/payments/meter/model", bind(intents.meter_model), style="legacy")
    router.add("GET", "/.well-known/opencode", bind(discovery.well_known))
    router.add("GET", "/external/opencode", bind(discovery.opencode), style="openai")
    router.add("GET", "/health", _health)
    router.add("GET", "/metrics", bind(_metrics))
    router.add("GET", "/openapi.json", partial(_openapi, router, []))
    runtime.add_routes(router, gw)
    facilitator.add_routes(router, gw)
    return router


async def _health(request: Request, send: Send) -> None:
    await send_json(send, 200, {"status": "ok"})


async def _metrics(gw: Gateway, request: Request, send: Send) -> None:
    """Prometheus' text format (metrics.py), for the admin token only: it shows traffic and money."""
    if not is_admin(request, gw.admin_token):
        raise HTTPError(401, "authentication_failed", "/metrics needs the admin token (COMPOSE_ADMIN_TOKEN)")
    [(holds, reserved)] = await gw.ledger.read("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM intents "
                                               "WHERE state = 'authorized'")
    body, content_type = metrics.exposition(int(str(holds)), int(str(reserved)))
    await send_bytes(send, 200, body, content_type, {"cache-control": "no-store"})


async def _openapi(router: Router, built: list[bytes], request: Request, send: Send) -> None:
    """The OpenAPI document (openapi/document.py), built from this router at its first request."""
    if not built:
        built.append(orjson.dumps(document(router, CATALOG_VERSION)))
    await send_bytes(send, 200, built[0], "application/json")
