"""Settling a served request: the upstream body, measured (or estimated) usage, settle or abort, upstream errors.

Shared by the Compose Key path (paid.py, streaming.py), raw x402 and the runtime routes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Final

import orjson

import pricing
from gateway_min import receipts, usage_shapes
from gateway_min.admission import Admitted, moment
from gateway_min.context import Gateway
from gateway_min.http import HTTPError
from gateway_min.ledger import IntentRow, KeyRow, LedgerError, Reservation, Resolution
from gateway_min.upstream import UpstreamReply

log = logging.getLogger("gateway_min")
FLAVORS: Final = {"chat": "openai-chat", "embeddings": "openai-embeddings", "images": "openai-images",
                  "transcription": "openai-transcription", "video": "openai-video"}


def upstream_body(admitted: Admitted, external: bool) -> dict[str, Any]:
    """The request as the provider sees it: its model id, our output limit enforced, stream usage forced.

    OpenAI takes the limit as `max_completion_tokens` (its reasoning models refuse `max_tokens`); the other
    OpenAI-compatible providers document `max_tokens`, so they get that one."""
    body = {k: v for k, v in admitted.body.items() if not (external and k == "provider")}
    body.pop("provider", None)  # routing is the catalog's: no silent provider override
    body["model"] = admitted.model.upstream_id
    if admitted.operation == "chat":
        for field in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
            body.pop(field, None)
        body["max_completion_tokens" if admitted.model.provider == "openai" else "max_tokens"] = admitted.output_limit
        if admitted.stream:
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
    if admitted.operation == "video" and "seconds" in body:
        body["seconds"] = str(body["seconds"])
    return body


def measured_usage(admitted: Admitted, content: bytes, at: datetime) -> pricing.Usage:
    """Provider-reported usage, or for speech the characters of the request (its exact quote)."""
    if admitted.operation == "speech":
        return pricing.usage_from_request(admitted.model, admitted.body, "speech", at=at)
    usage = usage_shapes.read(FLAVORS[admitted.operation], orjson.loads(content))
    if admitted.operation == "images":  # the response may not echo what was asked, nor only what is priced
        asked = pricing.usage_from_request(admitted.model, admitted.body, "images", at=at)
        group = pricing.price_set_at(admitted.model, at).images
        priced = group.params if group is not None else ()  # a parameter the price does not depend on is dropped
        usage = usage._replace(image_size=(usage.image_size if "size" in priced else None) or asked.image_size,
                               image_quality=(usage.image_quality if "quality" in priced else None)
                               or asked.image_quality)
    if admitted.operation == "video":
        asked = pricing.usage_from_request(admitted.model, admitted.body, "video", at=at)
        usage = usage._replace(video_resolution=usage.video_resolution or asked.video_resolution)
    return usage


def estimated_usage(admitted: Admitted, content: bytes) -> pricing.Usage | None:
    """An upper estimate when the provider's usage cannot be read: the prompt bound and every byte of the reply
    as output (a token is at least a byte), the request itself for request-priced work, or the audio bound."""
    if admitted.exact is not None:
        return pricing.usage_from_request(admitted.model, admitted.body, admitted.operation)
    if admitted.operation == "chat":
        return pricing.Usage(input_tokens=admitted.prompt_bound, output_tokens=min(len(content), admitted.output_limit))
    if admitted.operation == "embeddings":
        return pricing.Usage(input_tokens=admitted.prompt_bound)
    if admitted.audio_seconds is not None:
        return pricing.Usage(audio_seconds=admitted.audio_seconds)
    return None


async def settle(gw: Gateway, reservation: Reservation, admitted: Admitted, usage: pricing.Usage | None, *,
                 estimated: bool = False, reason: str | None = None) -> tuple[Resolution, dict[str, Any]]:
    """Price the usage and settle it, capped at the hold. Usage that cannot be priced settles the hold, marked
    estimated: the provider served the request, so it is never free."""
    intent = reservation.intent
    charge: pricing.Charge | None = None
    if usage is not None:
        try:
            settlement = pricing.settle(admitted.model, usage, intent.amount, at=moment(gw))
            charge, final, uncollected = settlement.charge, settlement.amount, settlement.uncollected
        except pricing.PricingError as exc:
            log.warning("intent %s: usage could not be priced (%s); settling the hold", intent.id, exc)
            reason, estimated, usage = f"unpriced usage: {exc}", True, None
    if usage is None:
        final, uncollected = intent.amount, 0
        estimated = True
    network = f"eip155:{reservation.key.chain_id}"

    def receipt(row: IntentRow) -> dict[str, Any]:
        return receipts.build(row, charge, network, estimated=estimated, reason=reason,
                              subject=f"{admitted.model.provider}:{admitted.model.id}")

    resolution = await gw.ledger.settle(intent.id, final, uncollected, receipt, estimated=estimated,
                                        alone=gw.in_flight <= 1, known=intent)  # runs to its end even if cancelled
    stored = orjson.loads(resolution.intent.receipt or "{}")
    return resolution, stored


async def abort(gw: Gateway, reservation: Reservation, reason: str) -> KeyRow:
    try:
        resolution = await gw.ledger.abort(reservation.intent.id, reason)  # runs to its end even if cancelled
    except LedgerError as exc:  # already resolved by someone else (sweeper): nothing more to release
        log.warning("abort of %s: %s", reservation.intent.id, exc)
        return reservation.key
    return resolution.key


def with_receipt(content: bytes, content_type: str, receipt: dict[str, Any]) -> bytes:
    """A JSON object body with `compose_receipt` added; anything else as the provider sent it (the receipt is
    then in the X-Compose-Receipt header only)."""
    if not content_type.startswith("application/json"):
        return content
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError:
        return content
    if not isinstance(document, dict):
        return content
    document["compose_receipt"] = receipt
    return orjson.dumps(document)


def upstream_error(reply: UpstreamReply, external: bool) -> HTTPError:
    """An upstream 4xx/5xx, passed on without its provider-specific details leaking into the message shape."""
    message = f"the provider answered {reply.status}"
    try:
        detail = orjson.loads(reply.body)
        if isinstance(detail, dict) and isinstance(detail.get("error"), dict):
            message = str(detail["error"].get("message") or message)
        elif isinstance(detail, dict) and isinstance(detail.get("error"), str):
            message = detail["error"]
    except orjson.JSONDecodeError:
        pass
    status = reply.status if 400 <= reply.status < 500 and reply.status not in (401, 402, 403) else 502
    return HTTPError(status, "upstream_error", f"upstream error: {message}",
                     style="openai" if external else None)


