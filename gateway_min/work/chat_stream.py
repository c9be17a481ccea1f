"""Measuring a chat stream as it is relayed: the usage chunk (read whole, or not at all), the output bytes for
an estimate, the upstream's `[DONE]`. One outcome at its end (ChatStream.outcome): the usage chunk settles the
measured usage; an end without one, a broken upstream or a client that goes away before it settles an estimate
(prompt bound + every output byte) capped at the hold and marked estimated; a stream that broke or ended before its
first event served nothing and is aborted. The upstream's own `compose.*` events are dropped.

A native chat stream's `compose.receipt` event is itself a chunk of the stream it ends (ChatStream.receipt_event):
the stream's `id`, `object: "chat.completion.chunk"`, `created` and `model`, empty `choices` (as the usage chunk has),
and the receipt's camelCase fields beside them (its own id as `receiptId`), so that OpenAI-compatible clients,
which parse every event as a chunk, pass it by like a usage chunk. The usage chunk the client asked for is held
back until the end and follows the receipt: it is the last chunk before `[DONE]`, as on OpenAI's streams, where
clients that take the usage from the last chunk (the `openai` SDK's `.stream()` helper, llama-index) find it.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

import pricing
from gateway_min.http.sse import SseEvents, event_name, is_done, speaks_for_compose, sse_data
from gateway_min.payment import receipts
from gateway_min.pipeline.plugs import Metered
from gateway_min.pipeline.stream import DEADLINE_CUT, DONE
from gateway_min.work import usage_shapes
from gateway_min.work.metered import priced
from generated.catalog import Model

log = logging.getLogger("gateway_min")


class TokenStream(ABC):
    """What every token-priced stream's meter shares (pipeline/plugs.StreamMeter): its outcome from the usage it
    read whole (`measured`) or an estimate (prompt bound + every output byte, capped at the output limit), the
    reasons said either way. A kind of stream reads its own events (`forward`, `measured`)."""

    def __init__(self, model: Model, body: dict[str, Any], prompt_bound: int, output_limit: int,
                 clock: Callable[[], datetime]) -> None:
        self.model = model
        self.body = body
        self.prompt_bound = prompt_bound
        self.output_limit = output_limit
        self.clock = clock  # the gateway's: it picks the price set in force when the stream ends
        self.usage: dict[str, Any] | None = None
        self.output_bytes = 0
        self.relayed = 0  # events passed on: none, and a broken upstream served nothing
        self.done = False  # the upstream said it ended: nothing after it is read
        self.events = SseEvents()

    @abstractmethod
    def forward(self, chunk: bytes) -> bytes:
        """The bytes to pass on for this upstream chunk, reading what the meter needs from its events."""

    flavor = "openai-chat"
    """The shape the stream reports its usage in (usage_shapes.read)."""

    def measured(self) -> pricing.Usage | None:
        """The usage the stream reported (`self.usage`), read whole; None when it reported none that can be read."""
        if self.usage is None:
            return None
        try:
            return usage_shapes.read(self.flavor, self.usage)
        except pricing.PricingError:
            return None

    @abstractmethod
    def served_nothing(self, disconnected: bool, broken: str | None) -> bool: ...

    @abstractmethod
    def closing(self) -> bytes: ...

    def ended(self) -> bool:
        return self.done

    def abort_reason(self, broken: str | None) -> str:
        return "upstream_broken" if broken else "upstream_sent_nothing"

    @abstractmethod
    def receipt_event(self, receipt: dict[str, Any]) -> bytes: ...

    def outcome(self, disconnected: bool, broken: str | None, maximum: int) -> Metered:
        """What the stream comes to at its end: the usage read whole is the measure, even if the client left
        after it; otherwise the estimate, marked so, with the reason. Priced and capped at `maximum`."""
        usage = self.measured()
        if disconnected:
            reason: str | None = broken or "client disconnected: settled " + (
                "the measured usage" if usage else "an estimate")
        elif broken == DEADLINE_CUT:
            reason = "stream cut at the payment deadline: settled " + ("the measured usage" if usage else
                                                                       "an estimate")
        elif broken:
            reason = f"upstream stream broke: {broken}"
        elif usage is None:
            reason = self.missing_usage() + ": settled an estimate"
        else:
            reason = None
        estimated = usage is None or (broken is not None and not disconnected)
        return priced(self.model, usage or self.estimate(), maximum, self.clock(), estimated, reason)

    def missing_usage(self) -> str:
        return "usage unreadable" if self.usage else "no usage"

    def choices(self) -> int:
        return 1

    def estimate(self) -> pricing.Usage:
        """Prompt bound + every output byte (a token is at least a byte), capped at the limit of all choices."""
        output = min(self.output_bytes, self.output_limit * self.choices())
        return pricing.Usage(input_tokens=self.prompt_bound, output_tokens=output)


class ChatStream(TokenStream):
    """The meter of a chat-completions stream."""

    def __init__(self, model: Model, body: dict[str, Any], prompt_bound: int, output_limit: int,
                 clock: Callable[[], datetime]) -> None:
        super().__init__(model, body, prompt_bound, output_limit, clock)
        options = body.get("stream_options")
        self.client_wants_usage = isinstance(options, dict) and options.get("include_usage") is True
        self.identity: dict[str, Any] = {}  # the stream's id, created and model, from its first chunk that has them
        self.held: list[bytes] = []  # usage-only chunks, sent last (closing)

    def forward(self, chunk: bytes) -> bytes:
        """The bytes to pass on for this upstream chunk; remembers the usage chunk and counts output. The upstream's
        `compose.*` events are dropped (sse.speaks_for_compose), and its `[DONE]` ends the stream."""
        out = []
        for event in self.events.feed(chunk):
            data = sse_data(event)
            if is_done(data):
                self.done = True  # ours comes after the receipt; what follows is not read (relay_sse)
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
                if not self.identity:
                    self._identify(document)
                if isinstance(document.get("usage"), dict):
                    self.usage = document
                    if not document.get("choices"):  # a usage-only chunk: sent last if the client asked for it
                        if self.client_wants_usage:  # (it did not: its empty choices would break clients)
                            self.held.append(event + b"\n\n")
                            self.relayed += 1
                        continue
                choices = document.get("choices")
                for choice in choices if isinstance(choices, list) else ():
                    self.output_bytes += _output_bytes(choice)
            self.relayed += data is not None  # a comment is no event
            out.append(event + b"\n\n")
        return b"".join(out)

    def _identify(self, document: dict[str, Any]) -> None:
        ident, created, model = document.get("id"), document.get("created"), document.get("model")
        if isinstance(ident, str) and 0 < len(ident) <= 200:
            self.identity = {"id": ident, "created": created if type(created) is int else None,
                             "model": model if isinstance(model, str) and len(model) <= 200 else None}

    def receipt_event(self, receipt: dict[str, Any]) -> bytes:
        """`compose.receipt` as a chunk of this stream: its id, created and model (or, if the upstream named none,
        the receipt's hex, its time and the model's id), no choices, and the receipt (camelCase) beside them."""
        fields = receipts.camel(receipt)
        receipt_id = str(fields.pop("id", ""))
        settled_at = receipt.get("settled_at")
        frame: dict[str, Any] = {"id": self.identity.get("id") or "chatcmpl-" + receipt_id.removeprefix("rct_"),
                                 "object": "chat.completion.chunk",
                                 "created": self.identity.get("created") or (
                                     settled_at // 1000 if type(settled_at) is int else 0),
                                 "model": self.identity.get("model") or self.model.id, "choices": []}
        frame.update((name, value) for name, value in fields.items() if name not in frame)
        frame["receiptId"] = receipt_id
        return b"event: compose.receipt\ndata: " + orjson.dumps(frame) + b"\n\n"

    def served_nothing(self, disconnected: bool, broken: str | None) -> bool:
        """The upstream ended or broke before its first event, and reported no usage: nothing was served, so nothing
        is charged. (A client that went away is charged the estimate: the upstream may have been working.)"""
        return not disconnected and not self.relayed and self.usage is None

    def closing(self) -> bytes:
        """The usage chunk held back, then `[DONE]`: every chat stream ends with it, the upstream's having been
        dropped (it precedes ours)."""
        return b"".join(self.held) + DONE

    def missing_usage(self) -> str:
        return "usage chunk unreadable" if self.usage else "no usage chunk"

    def choices(self) -> int:
        n = self.body.get("n")
        return n if type(n) is int and n > 1 else 1


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
