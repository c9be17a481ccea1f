"""The paid call: authenticate → admit (quote, reserve) → call upstream → price measured usage → settle → receipt.

Exactly one terminal ledger operation per request: settle when the provider served it, abort when it did not
(upstream error or unreachable: nothing is charged). Settlement is shielded from cancellation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final

import orjson

import pricing
from gateway_min import receipts
from gateway_min.admission import Admitted, quote, read_payload, reserve, resolve_model, stream_flag
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_bytes
from gateway_min.keys import bearer, budget_headers, key_for_token
from gateway_min.ledger import IntentRow, KeyRow, LedgerError, Reservation, Resolution
from gateway_min.types import Send
from gateway_min.upstream import UpstreamReply, UpstreamRequest, UpstreamUnavailable

log = logging.getLogger("gateway_min")
FLAVORS: Final = {"chat": "openai-chat", "embeddings": "openai-embeddings", "images": "openai-images",
                  "transcription": "openai-transcription", "video": "openai-video"}


def upstream_body(admitted: Admitted, external: bool) -> dict[str, Any]:
    """The request as the provider sees it: its model id, our output limit enforced, stream usage forced."""
    body = {k: v for k, v in admitted.body.items() if not (external and k == "provider")}
    body.pop("provider", None)  # routing is the catalog's: no silent provider override
    body["model"] = admitted.model.upstream_id
    if admitted.operation == "chat":
        body.pop("max_tokens", None)
        body["max_completion_tokens"] = admitted.output_limit
        if admitted.stream:
            body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
    if admitted.operation == "video" and "seconds" in body:
        body["seconds"] = str(body["seconds"])
    return body


def measured_usage(admitted: Admitted, content: bytes) -> pricing.Usage:
    """Provider-reported usage, or for speech the characters of the request (its exact quote)."""
    if admitted.operation == "speech":
        return pricing.usage_from_request(admitted.model, admitted.body, "speech")
    usage = pricing.usage_from_response(FLAVORS[admitted.operation], orjson.loads(content))
    if admitted.operation == "images":  # the response may not echo what was asked
        asked = pricing.usage_from_request(admitted.model, admitted.body, "images")
        usage = usage._replace(image_size=usage.image_size or asked.image_size,
                               image_quality=usage.image_quality or asked.image_quality)
    if admitted.operation == "video":
        asked = pricing.usage_from_request(admitted.model, admitted.body, "video")
        usage = usage._replace(video_resolution=usage.video_resolution or asked.video_resolution)
    return usage


async def settle(gw: Gateway, reservation: Reservation, admitted: Admitted, usage: pricing.Usage | None, *,
                 estimated: bool = False, reason: str | None = None) -> tuple[Resolution, dict[str, Any]]:
    """Price the usage and settle it, capped at the hold. Usage that cannot be priced settles the hold, marked
    estimated: the provider served the request, so it is never free."""
    intent = reservation.intent
    charge: pricing.Charge | None = None
    if usage is not None:
        try:
            settlement = pricing.settle(admitted.model, usage, intent.amount)
            charge, final, uncollected = settlement.charge, settlement.amount, settlement.uncollected
        except pricing.PricingError as exc:
            log.warning("intent %s: usage could not be priced (%s); settling the hold", intent.id, exc)
            reason, estimated, usage = f"unpriced usage: {exc}", True, None
    if usage is None:
        final, uncollected = intent.amount, 0
        estimated = True
    network = f"eip155:{reservation.key.chain_id}"

    def receipt(row: IntentRow, _: KeyRow) -> dict[str, Any]:
        return receipts.build(row, charge, network, estimated=estimated, reason=reason)

    resolution = await asyncio.shield(gw.ledger.settle(intent.id, final, uncollected, receipt, estimated=estimated,
                                                        alone=gw.in_flight <= 1))
    stored = orjson.loads(resolution.intent.receipt or "{}")
    return resolution, stored


async def abort(gw: Gateway, reservation: Reservation, reason: str) -> KeyRow:
    try:
        resolution = await asyncio.shield(gw.ledger.abort(reservation.intent.id, reason))
    except LedgerError as exc:  # already resolved by someone else (sweeper): nothing more to release
        log.warning("abort of %s: %s", reservation.intent.id, exc)
        return reservation.key
    return resolution.key


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


async def handle(gw: Gateway, request: Request, send: Send, operation: str, *, external: bool) -> None:
    gw.in_flight += 1
    try:
        await _handle(gw, request, send, operation, external=external)
    finally:
        gw.in_flight -= 1


async def _handle(gw: Gateway, request: Request, send: Send, operation: str, *, external: bool) -> None:
    started = time.perf_counter()
    key = await key_for_token(gw, bearer(request), fresh=False)
    body, files = await read_payload(request, operation)
    model = resolve_model(body, operation)
    stream = stream_flag(body, operation)
    provider = gw.providers.for_model(model)
    if provider is None:
        raise HTTPError(503, "provider_unavailable", f"no API key is configured for provider '{model.provider}'")
    admitted = quote(gw, model, body, operation, files)
    admitted.stream = stream
    admitted, reservation = await reserve(gw, key, admitted, request)
    headers = {"x-payment-intent-id": reservation.intent.id, **budget_headers(reservation.key)}
    if not external:
        headers["x-compose-public-model"] = model.id
    headers.update({"x-compose-upstream-provider": model.provider, "x-compose-upstream-model": model.upstream_id})
    if reservation.replay:
        stored = reservation.intent.receipt
        raise HTTPError(409, "idempotent_replay" if stored else "idempotency_in_progress",
                        "this x-idempotency-key was already used for this request"
                        + (": it completed and was charged once" if stored else " and it is still running"),
                        headers={**headers, "x-idempotent-replay": "true"},
                        details=orjson.loads(stored) if stored and not external else None)
    call = UpstreamRequest(operation, upstream_body(admitted, external), stream, files)
    try:
        reply = await provider.send(call)
    except UpstreamUnavailable as exc:
        await abort(gw, reservation, "upstream_unreachable")
        raise HTTPError(502, "provider_unavailable", f"the provider could not be reached: {exc}") from None
    except BaseException:
        await abort(gw, reservation, "gateway_error")
        raise
    if reply.status >= 400:
        await reply.read()
        key_after = await abort(gw, reservation, f"upstream_{reply.status}")
        error = upstream_error(reply, external)
        error.headers.update({**headers, **budget_headers(key_after)})
        raise error
    if stream:
        from gateway_min.streaming import relay

        await relay(gw, send, request.receive, reply, admitted, reservation, headers, external=external,
                    started=started)
        return
    try:
        content = await reply.read()
    except UpstreamUnavailable as exc:
        await abort(gw, reservation, "upstream_broken")
        raise HTTPError(502, "provider_unavailable", str(exc)) from None
    try:
        usage: pricing.Usage | None = measured_usage(admitted, content)
        reason = None
    except (pricing.PricingError, orjson.JSONDecodeError) as exc:
        usage, reason = None, f"usage unreadable: {exc}"
    resolution, receipt = await settle(gw, reservation, admitted, usage, reason=reason)
    headers.update(budget_headers(resolution.key))
    headers["x-compose-overhead-ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
    if not external:
        headers["x-compose-receipt"] = receipts.header(receipt)
    if reply.content_type.startswith("application/json") and not external:
        document = orjson.loads(content)
        if isinstance(document, dict):
            document["compose_receipt"] = receipt
            content = orjson.dumps(document)
    await send_bytes(send, reply.status, content, reply.content_type, headers)
