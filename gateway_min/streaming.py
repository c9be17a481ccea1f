"""Streaming chat: pass each upstream SSE event through as it arrives, settle from the final usage chunk.

One terminal ledger operation whatever happens (ChatStream.outcome): the usage chunk read whole settles the measured
usage; an end without one, a broken upstream or a client that goes away before it settles an estimate (prompt bound
+ every output byte) capped at the hold and marked estimated; a stream that broke before its first event served
nothing and is aborted. Native streams get `event: compose.receipt` (or `compose.error`) before `[DONE]`; external
streams carry no Compose events. The SSE relay itself (relay_sse) serves the runtime routes too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson

import pricing
from gateway_min import receipts, usage_shapes
from gateway_min.admission import Admitted
from gateway_min.context import Gateway
from gateway_min.http import EXPOSED, header_list
from gateway_min.ledger import Reservation
from gateway_min.settlement import abort, log, settle
from gateway_min.sse import SseEvents, event_name, is_done, speaks_for_compose, sse_data
from gateway_min.types import Receive, Send
from gateway_min.upstream import UpstreamReply, UpstreamUnavailable


class ChatStream:
    def __init__(self, admitted: Admitted, external: bool) -> None:
        self.admitted = admitted
        self.external = external
        options = admitted.body.get("stream_options")
        self.client_wants_usage = isinstance(options, dict) and options.get("include_usage") is True
        self.usage: dict[str, Any] | None = None
        self.output_bytes = 0
        self.relayed = 0  # events passed on: none, and a broken upstream served nothing
        self.ended = False  # the upstream said [DONE]: nothing after it is read
        self.events = SseEvents()

    def forward(self, chunk: bytes) -> bytes:
        """The bytes to pass on for this upstream chunk; remembers the usage chunk and counts output. The upstream's
        `compose.*` events are dropped (sse.speaks_for_compose), and its `[DONE]` ends the stream."""
        out = []
        for event in self.events.feed(chunk):
            data = sse_data(event)
            if is_done(data):
                self.ended = True  # ours comes after the receipt; what follows is not read (relay_sse)
                break
            if speaks_for_compose(event):
                log.warning("dropped an upstream event named %r", event_name(event)[:40])
                continue
            document = None
            if data is not None:
                try:
                    document = orjson.loads(data)
                except orjson.JSONDecodeError:
                    document = None
            if isinstance(document, dict):
                if isinstance(document.get("usage"), dict):
                    self.usage = document
                    if not self.client_wants_usage and not document.get("choices"):
                        continue  # a usage-only chunk the client did not ask for (its empty choices break clients)
                choices = document.get("choices")
                for choice in choices if isinstance(choices, list) else ():
                    self.output_bytes += _output_bytes(choice)
            self.relayed += data is not None  # a comment is no event
            out.append(event + b"\n\n")
        return b"".join(out)

    def measured(self) -> pricing.Usage | None:
        """The usage chunk's usage; None when there is none, or it cannot be read whole (usage_shapes)."""
        if self.usage is None:
            return None
        try:
            return usage_shapes.read("openai-chat", self.usage)
        except pricing.PricingError:
            return None

    def served_nothing(self, disconnected: bool) -> bool:
        """The upstream ended or broke before its first event, and reported no usage: nothing was served, so nothing
        is charged. (A client that went away is charged the estimate: the upstream may have been working.)"""
        return not disconnected and not self.relayed and self.usage is None

    def outcome(self, disconnected: bool, broken: str | None) -> tuple[pricing.Usage, bool, str | None]:
        """(the usage to settle, estimated, why) at the stream's end: the usage chunk read whole is the measure,
        even if the client left after it; otherwise the estimate, marked so, with the reason."""
        usage = self.measured()
        if disconnected:
            reason: str | None = broken or "client disconnected: settled " + (
                "the measured usage" if usage else "an estimate")
        elif broken:
            reason = f"upstream stream broke: {broken}"
        elif usage is None:
            reason = ("usage chunk unreadable" if self.usage else "no usage chunk") + ": settled an estimate"
        else:
            reason = None
        return usage or self.estimate(), usage is None or (broken is not None and not disconnected), reason

    def estimate(self) -> pricing.Usage:
        """Prompt bound + every output byte (a token is at least a byte), capped at the limit of all `n` choices."""
        n = self.admitted.body.get("n")
        choices = n if type(n) is int and n > 1 else 1
        output = min(self.output_bytes, self.admitted.output_limit * choices)
        return pricing.Usage(input_tokens=self.admitted.prompt_bound, output_tokens=output)


def _output_bytes(choice: Any) -> int:
    """Bytes of output in a streamed choice: every string of its delta but the role (content, reasoning under any
    name, refusals), structured parts (tool and function calls) as JSON, and a legacy completion's `text`."""
    if not isinstance(choice, dict):
        return 0
    count = len(choice["text"].encode()) if isinstance(choice.get("text"), str) else 0
    delta = choice.get("delta")
    for name, value in delta.items() if isinstance(delta, dict) else ():
        if isinstance(value, str) and name != "role":
            count += len(value.encode())
        elif isinstance(value, (dict, list)) and value:
            count += len(orjson.dumps(value))
    return count


Finish = Callable[[bool, str | None], Awaitable[bytes]]
"""(client disconnected, why the upstream broke or None) → the tail to send. It settles; called exactly once."""
DONE = b"data: [DONE]\n\n"


def error_event(body: dict[str, Any]) -> bytes:
    """The named `compose.error` SSE event that closes a native stream which could not end well."""
    return b"event: compose.error\ndata: " + orjson.dumps(body) + b"\n\n"
DEADLINE_CUT = "the payment authorization is about to expire: the stream was cut so that it can still be settled"


async def _pass_on(send: Send, reply: UpstreamReply, forward: Callable[[bytes], bytes], broken: list[str],
                   ended: Callable[[], bool]) -> None:
    """Each chunk through `forward` as it arrives; then b"", the end of the stream (sse.SseEvents.feed)."""
    assert reply.chunks is not None
    upstream = reply.chunks

    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in upstream:
            if chunk:  # b"" means the end to forward
                yield chunk
        yield b""

    async for chunk in chunks():
        try:
            out = forward(chunk)
        except UpstreamUnavailable as exc:  # the upstream's own fault (an event too large)
            broken.append(str(exc))
            return
        except Exception:  # a bug reading a chunk: end the stream as broken, settled, and said so
            log.exception("a stream chunk could not be relayed")
            broken.append("a chunk could not be relayed")
            return
        if out:
            await send({"type": "http.response.body", "body": out, "more_body": True})
        if ended():  # the upstream said [DONE]: what it sends after that is not read
            return


async def relay_sse(send: Send, receive: Receive, reply: UpstreamReply, headers: dict[str, str],
                    forward: Callable[[bytes], bytes], finish: Finish, *, deadline: float | None = None,
                    ended: Callable[[], bool] = lambda: False) -> None:
    """Relay, then `finish` once. `deadline` (event-loop time): the upstream is cut there, `broken` = DEADLINE_CUT."""
    start = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
             (b"x-accel-buffering", b"no"), (b"access-control-expose-headers", EXPOSED.encode()),
             *header_list(headers)]
    broken: list[str] = []

    async def pump() -> None:
        await send({"type": "http.response.start", "status": 200, "headers": start})
        limit = asyncio.timeout_at(deadline)
        try:
            async with limit:
                await _pass_on(send, reply, forward, broken, ended)
        except UpstreamUnavailable as exc:
            broken.append(str(exc))
        except TimeoutError:
            if not limit.expired():
                raise
            broken.append(DEADLINE_CUT)

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    pumping = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(watch())
    finished = False
    try:
        await asyncio.wait({pumping, watching}, return_when=asyncio.FIRST_COMPLETED)
        disconnected = not pumping.done()
        if disconnected:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping
        elif (failure := pumping.exception()) is not None:
            raise failure
        await reply.close()
        finished = True
        tail = await asyncio.shield(finish(disconnected, broken[0] if broken else None))
        if not disconnected:
            await send({"type": "http.response.body", "body": tail, "more_body": False})
    finally:
        watching.cancel()
        if not pumping.done():
            pumping.cancel()
        await reply.close()
        if not finished:  # cancelled (shutdown) or the client went away mid-send: still one terminal operation
            try:
                await asyncio.shield(finish(True, "stream interrupted"))
            except Exception:
                log.exception("settling an interrupted stream failed")


async def relay(gw: Gateway, send: Send, receive: Receive, reply: UpstreamReply, admitted: Admitted,
                reservation: Reservation, headers: dict[str, str], *, external: bool, started: float) -> None:
    """A Compose Key chat stream: settled from the final usage chunk, or an estimate, once."""
    stream = ChatStream(admitted, external)

    async def finish(disconnected: bool, broken: str | None) -> bytes:
        if stream.served_nothing(disconnected):
            await abort(gw, reservation, "upstream_broken" if broken else "upstream_sent_nothing")
            return _tail(None, broken, external)
        usage, estimated, reason = stream.outcome(disconnected, broken)
        _, receipt = await settle(gw, reservation, admitted, usage, estimated=estimated, reason=reason)
        log.debug("stream %s settled in %.1f ms", reservation.intent.id, (time.perf_counter() - started) * 1000)
        return _tail(receipt, broken if not disconnected else None, external)

    named = {} if external else {"x-compose-response-id": receipts.response_id(reservation.intent.id)}
    await relay_sse(send, receive, reply, {**headers, **named, "x-compose-budget-remaining-kind": "reserved"},
                    stream.forward, finish, ended=lambda: stream.ended)


def _tail(receipt: dict[str, Any] | None, broken: str | None, external: bool) -> bytes:
    """What closes the stream: an error event if the upstream broke, the receipt (native only; none when nothing
    was charged), [DONE]."""
    tail = b""
    if broken:
        error = {"error": {"message": f"upstream error: {broken}", "type": "upstream_error"}}
        tail += (b"data: " + orjson.dumps(error) + b"\n\n") if external else error_event(error)
    if not external and receipt is not None:
        tail += receipts.sse_event(receipt)
    return tail + DONE
