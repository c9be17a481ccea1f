"""The never-billed reads of a video job (work/videos.py), for the wallet that paid for it (routes/reads.py):

- `GET /v1/videos/{id}` (and /external/v1): the provider's job; on native routes with its `compose_receipt`;
- `GET /v1/videos/{id}/content`: the video, as the provider sends it;
- `GET /v1/videos/{id}/stream?pollIntervalMs=&timeoutMs=`: SSE `compose.video.status` events, one whenever the
  job changes, polled every `pollIntervalMs` (500–30,000, default 2,000) until it ends or `timeoutMs` (5,000–
  3,600,000, default 600,000) passes (a last event then says `timed_out`).

Each read records the job's status; the first that finds it failed refunds what it was charged (once, whoever
reads): the receipt then says so (`refund`: `refunded` to the key, or `owed` to a raw x402 payer)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Final

import orjson

from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_bytes, send_json
from gateway_min.http.event_stream import event, event_stream
from gateway_min.http.types import Send
from gateway_min.ledger import ServedRow
from gateway_min.routes.reads import forward, owned
from gateway_min.work import videos
from gateway_min.work.model import upstream_error

POLL_MS: Final = (500, 30_000, 2_000)  # least, most, default
TIMEOUT_MS: Final = (5_000, 3_600_000, 600_000)
REFUND_REASON: Final = "the provider failed the job: what it was charged is given back"


def receipt(row: ServedRow) -> dict[str, Any]:
    """The receipt stored at submission, with the refund when there is one."""
    stored: dict[str, Any] = orjson.loads(row.receipt or "{}")
    if row.refund is not None:
        stored["refund"] = {"status": row.refund, "amount_wei": str(row.amount), "reason": REFUND_REASON}
    return stored


async def status(gw: Gateway, request: Request, row: ServedRow, external: bool) -> tuple[dict[str, Any], ServedRow]:
    """The provider's job now, and the row once its status (and a failure's refund) is recorded."""
    reply = await forward(gw, request, row, "video")
    if reply.status >= 400:
        raise upstream_error(reply, external)
    try:
        job = orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        job = None
    if not isinstance(job, dict):
        raise HTTPError(502, "provider_unavailable", "the provider's job status is not a JSON object")
    state = videos.job_status(job)
    if state != row.state:
        row = await gw.ledger.update_served("video", row.id, state) or row
    if state in videos.FAILED and row.refund is None:
        row = await gw.ledger.refund_served("video", row.id) or row
    return job, row


async def get_video(gw: Gateway, request: Request, send: Send, *, external: bool = False) -> None:
    row = await owned(gw, request, "video", request.params["video_id"])
    job, row = await status(gw, request, row, external)
    if not external:
        job["compose_receipt"] = receipt(row)
    await send_json(send, 200, job, {"cache-control": "no-store"})


async def get_content(gw: Gateway, request: Request, send: Send, *, external: bool = False) -> None:
    row = await owned(gw, request, "video", request.params["video_id"])
    reply = await forward(gw, request, row, "video", rest="/content")
    if reply.status >= 400:
        raise upstream_error(reply, external)
    await send_bytes(send, reply.status, reply.body, reply.content_type, {"cache-control": "no-store"})


def _bounded(request: Request, name: str, bounds: tuple[int, int, int]) -> int:
    least, most, default = bounds
    given = request.query.get(name)
    if given is None:
        return default
    if not given.isascii() or not given.isdigit() or not least <= int(given) <= most:
        raise HTTPError(400, "validation_error", f"{name} must be an integer from {least} to {most}, got "
                        f"{given[:20]!r}")
    return int(given)


async def stream_status(gw: Gateway, request: Request, send: Send) -> None:
    poll = _bounded(request, "pollIntervalMs", POLL_MS) / 1000
    timeout = _bounded(request, "timeoutMs", TIMEOUT_MS) / 1000
    row = await owned(gw, request, "video", request.params["video_id"])
    job, row = await status(gw, request, row, False)  # a first failure is a plain JSON answer

    async def events() -> AsyncIterator[bytes]:
        nonlocal job, row
        loop = asyncio.get_running_loop()
        end, last = loop.time() + timeout, None
        while True:
            shown = {**job, "compose_receipt": receipt(row)}
            if shown != last:
                yield event("compose.video.status", shown)
                last = shown
            if videos.terminal(videos.job_status(job)):
                return
            if loop.time() + poll > end:
                yield event("compose.video.status", {"id": row.id, "status": videos.job_status(job),
                                                     "timed_out": True})
                return
            await asyncio.sleep(poll)
            try:
                job, row = await status(gw, request, row, False)
            except HTTPError as error:
                yield event("compose.error", error.body("compose"))
                return

    await event_stream(request, send, events())
