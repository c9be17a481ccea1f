"""What the OpenAPI document says of each route of the route table: its summary, body, answer and who may call it.

Routes are matched by (method, template) as the router holds them; a route of the table without an entry here, or
an entry without a route, fails the document's build (tests/gateway/openapi): the document cannot drift from the
routes the app serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pydantic import BaseModel

from gateway_min.openapi import models as m

JSON: Final = "application/json"
SSE: Final = "text/event-stream"


@dataclass(frozen=True)
class Op:
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    multipart: bool = False
    answer: type[BaseModel] | None = m.AnyObject
    media: tuple[str, ...] = (JSON,)
    status: int = 200
    auth: str = "none"
    """none | paid (a Compose Key or x402) | key (a Compose Key) | admin | owner (a key of the wallet, or admin) |
    read (a key of the paying wallet, or the read token) | facilitator (admin for settle and fund)"""
    upstream: bool = False
    """The answer may be an upstream's failure (502, 503, 504)."""
    accepted: int | None = None
    """A second success status (202: a video job still running)."""
    refusal: type[BaseModel] | None = None
    """The body of a 400 when it is not an error envelope (the facilitator's VerifyResponse, SettleResponse)."""


PAID_MODEL: Final[dict[str, tuple[str, type[BaseModel], bool, tuple[str, ...]]]] = {
    "chat/completions": ("Chat completions (stream or not)", m.ChatRequest, False, (JSON, SSE)),
    "responses": ("OpenAI Responses API (stream or not)", m.ResponsesRequest, False, (JSON, SSE)),
    "embeddings": ("Embeddings", m.EmbeddingsRequest, False, (JSON,)),
    "images/generations": ("Image generation, priced exact per image", m.ImagesRequest, False, (JSON,)),
    "images/edits": ("Image edits (multipart or JSON), priced exact per image", m.ImageEditsRequest, True, (JSON,)),
    "audio/speech": ("Speech, priced exact per character", m.SpeechRequest, False,
                     ("audio/mpeg", "audio/wav", "audio/pcm")),
    "audio/transcriptions": ("Transcription (multipart or base64 JSON)", m.TranscriptionRequest, True, (JSON,)),
    "videos/generations": ("Video generation, charged at submission (202 for a running job)", m.VideoRequest, False,
                           (JSON,)),
    "videos": ("Video generation (OpenAI's path)", m.VideoRequest, False, (JSON,)),
    "rerank": ("Rerank (Cohere v2 shape)", m.RerankRequest, False, (JSON,)),
}


def _paid() -> dict[tuple[str, str], Op]:
    out = {}
    for suffix, (summary, body, multipart, media) in PAID_MODEL.items():
        accepted = 202 if suffix.startswith("videos") else None
        out["POST", f"/v1/{suffix}"] = Op(summary, "paid", body, multipart, m.PaidAnswer, media, auth="paid",
                                          upstream=True, accepted=accepted)
        out["POST", f"/external/v1/{suffix}"] = Op(summary + " (OpenAI-compatible: no receipt)", "external", body,
                                                   multipart, m.AnyObject, media, auth="key", upstream=True,
                                                   accepted=accepted)
    out["POST", "/api/inference"] = Op("Chat completions (legacy alias)", "paid", m.ChatRequest, False,
                                       m.PaidAnswer, (JSON, SSE), auth="paid", upstream=True)
    for action, media in (("chat", (JSON,)), ("responses", (JSON,)), ("stream", (SSE,))):
        out["POST", f"/agent/{{wallet}}/{action}"] = Op(f"Agent runtime: {action}", "runtime", m.RuntimeRequest,
                                                        answer=m.RuntimeAnswer, media=media, auth="paid",
                                                        upstream=True)
    out["POST", "/workflow/execute"] = Op("Workflow runtime: execute", "runtime", m.RuntimeRequest,
                                          answer=m.RuntimeAnswer, auth="paid", upstream=True)
    for action in ("chat", "stream", "run"):
        out["POST", f"/workflow/{{wallet}}/{action}"] = Op(f"Workflow runtime: {action} (SSE)", "runtime",
                                                           m.RuntimeRequest, media=(SSE,), auth="paid",
                                                           upstream=True)
    return out


def _reads() -> dict[tuple[str, str], Op]:
    out = {}
    for prefix, tag in (("/v1", "reads"), ("/external/v1", "external")):
        base = f"{prefix}/responses/{{response_id}}"
        out["GET", base] = Op("A response, never billed", tag, auth="read", upstream=True)
        out["GET", f"{base}/input_items"] = Op("A response's input items, never billed", tag, auth="read",
                                               upstream=True)
        out["POST", f"{base}/cancel"] = Op("Cancel a response, never billed", tag, auth="read", upstream=True)
        video = f"{prefix}/videos/{{video_id}}"
        out["GET", video] = Op("A video job's status, never billed", tag, auth="read", upstream=True)
        out["GET", f"{video}/content"] = Op("A video job's content, never billed", tag, answer=None,
                                            media=("video/mp4",), auth="read", upstream=True)
    out["GET", "/v1/videos/{video_id}/stream"] = Op("A video job's status as SSE (compose.video.status)", "reads",
                                                    media=(SSE,), auth="read", upstream=True)
    return out


def _rest() -> dict[tuple[str, str], Op]:
    return {
        ("GET", "/v1/models"): Op("The catalog (provider, modality, limit + cursor)", "catalog", answer=m.ModelList),
        ("GET", "/v1/models/all"): Op("The whole catalog", "catalog", answer=m.ModelList),
        ("POST", "/v1/models/search"): Op("Search the catalog", "catalog", m.Search, answer=m.ModelList),
        ("GET", "/v1/models/{model:path}"): Op("One model", "catalog"),
        ("GET", "/v1/models/{model:path}/params"): Op("A model's request parameters", "catalog"),
        ("GET", "/v1/modalities"): Op("The modality index", "catalog", answer=m.ModelList),
        ("GET", "/v1/modalities/{modality}"): Op("One modality", "catalog"),
        ("GET", "/v1/modalities/{modality}/operations"): Op("A modality's operations", "catalog",
                                                            answer=m.ModelList),
        ("GET", "/v1/modalities/{modality}/operations/{operation}/models"): Op("The models of an operation",
                                                                               "catalog", answer=m.ModelList),
        ("GET", "/external/v1/models"): Op("The catalog, OpenAI's fields", "external", answer=m.ModelList),
        ("GET", "/external/v1/models/{model:path}"): Op("One model, OpenAI's fields", "external"),
        ("GET", "/.well-known/opencode"): Op("OpenCode's well-known provider document", "discovery"),
        ("GET", "/external/opencode"): Op("An OpenCode configuration for this gateway", "discovery"),
        ("POST", "/api/keys"): Op("Create a key: the admin mints credit; a wallet opens one with an x402 signature",
                                  "keys", m.KeyCreate, answer=m.KeyCreated, status=201, auth="optional_admin",
                                  upstream=True),
        ("GET", "/api/keys"): Op("A wallet's keys", "keys", answer=m.KeyList, auth="owner"),
        ("GET", "/api/keys/{key_id}"): Op("One key", "keys", answer=m.KeyRecord, auth="owner"),
        ("DELETE", "/api/keys/{key_id}"): Op("Revoke (admin) or close (owner) a key", "keys", answer=m.KeyDeleted,
                                             auth="owner"),
        ("POST", "/api/keys/{key_id}/collection"): Op("Retry or forgive a failed collection", "keys",
                                                      m.CollectionDecision, answer=m.CollectionDecided,
                                                      auth="admin"),
        ("GET", "/api/session"): Op("The wallet's session (its token only with a key of the wallet)", "keys",
                                    answer=m.SessionState, auth="optional_key"),
        ("GET", "/api/session/events"): Op("The wallet's session as SSE", "keys", media=(SSE,)),
        ("POST", "/api/payments/prepare"): Op("Hold an amount on a key", "intents", m.Prepare, answer=m.Intent,
                                              auth="key"),
        ("POST", "/api/payments/settle"): Op("Settle a held intent", "intents", m.Settle, auth="key"),
        ("POST", "/api/payments/abort"): Op("Give a hold up", "intents", m.Abort, auth="key"),
        ("POST", "/api/payments/meter/model"): Op("Quote usage or media", "intents", m.MeterQuote),
        ("GET", "/api/x402/facilitator/supported"): Op("x402 facilitator: supported kinds", "facilitator"),
        ("GET", "/api/x402/facilitator/chains"): Op("x402 facilitator: chains", "facilitator"),
        ("GET", "/api/x402/facilitator/balance"): Op("x402 facilitator: a balance", "facilitator"),
        ("POST", "/api/x402/facilitator/verify"): Op("x402 facilitator: verify", "facilitator",
                                                     m.FacilitatorRequest, answer=m.VerifyResponse,
                                                     refusal=m.VerifyResponse),
        ("POST", "/api/x402/facilitator/settle"): Op("x402 facilitator: settle (admin)", "facilitator",
                                                     m.FacilitatorRequest, answer=m.SettleResponse, auth="admin",
                                                     refusal=m.SettleResponse),
        ("POST", "/api/x402/facilitator/fund"): Op("x402 facilitator: fund a test wallet (admin)", "facilitator",
                                                   m.Fund, auth="admin"),
        ("GET", "/workflow/prices"): Op("The runtime's unit prices", "runtime", upstream=True),
        ("POST", "/workflow/{wallet}/stop"): Op("Stop a run", "runtime", m.AnyObject, auth="owner", upstream=True),
        ("GET", "/workflow/{wallet}/runs/{run_id}/state"): Op("A run's state", "runtime", auth="owner",
                                                              upstream=True),
        ("POST", "/workflow/{wallet}/runs/{run_id}/approval"): Op("Approve or reject a step", "runtime", m.AnyObject,
                                                                  auth="owner", upstream=True),
        ("GET", "/health"): Op("Liveness", "ops", answer=m.Health),
        ("GET", "/metrics"): Op("Prometheus metrics (admin)", "ops", answer=None, media=("text/plain",),
                                auth="admin"),
        ("GET", "/openapi.json"): Op("This document", "ops"),
    }


def table() -> dict[tuple[str, str], Op]:
    return {**_paid(), **_reads(), **_rest()}
