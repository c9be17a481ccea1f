"""OpenAI's Responses API as paid work: what a request may ask for, and its stream's meter.

A Responses request is priced as chat (the same models, the same token prices): its hold comes from `input` (a
string or typed items), `instructions` and tools (pricing/bounds.py; context the provider stores, such as
`previous_response_id`, is bounded by the model's context window), and `max_output_tokens`, enforced upstream.
Built-in tools (web search, file search, code interpreter, computer use, …) are refused: providers bill their
calls apart from tokens, at prices this catalog does not hold, so such a call could not be settled exactly.
`background` is refused too: the response would be produced after the call that must settle it.

A stream is settled from its terminal event (`response.completed`, `response.incomplete`, `response.failed`)
when it carries usage, else from the documented estimate; one that produced no output and no usage served nothing.
Native streams carry `event: compose.receipt`, whose data is a typed event (`"type": "compose.receipt"`) so that
clients which dispatch on `type` pass it by. The terminal event is held back until the stream is settled and sent
after the receipt: a stream ends with it, as OpenAI's do, for clients that take the last event as the response
(llama-index's OpenAIResponses).
"""

from __future__ import annotations

import logging
from typing import Any, Final

import orjson

from gateway_min.http import HTTPError
from gateway_min.http.sse import event_name, speaks_for_compose, sse_data
from gateway_min.payment import receipts
from gateway_min.work.chat_stream import TokenStream

log = logging.getLogger("gateway_min")
TERMINAL: Final = frozenset({"response.completed", "response.incomplete", "response.failed"})
FUNCTION_TOOLS: Final = frozenset({"function", "custom"})  # tools the client runs: their calls are output tokens
DELTAS: Final = frozenset({"response.output_text.delta", "response.refusal.delta",
                           "response.function_call_arguments.delta", "response.custom_tool_call_input.delta",
                           "response.reasoning_text.delta", "response.reasoning_summary_text.delta",
                           "response.audio.transcript.delta"})


def check(body: dict[str, Any]) -> None:
    """400 for what a paid Responses call cannot be: no input, a built-in tool, a background response."""
    if "input" not in body and body.get("previous_response_id") is None and body.get("prompt") is None:
        raise HTTPError(400, "validation_error", "`input` is required: a string, or a list of input items")
    if body.get("background") not in (None, False):
        raise HTTPError(400, "validation_error", "`background` responses are not served here: the call that pays "
                        "for a response must see it finish")
    tools = body.get("tools")
    if tools is None:
        return
    if not isinstance(tools, list):
        raise HTTPError(400, "validation_error", "`tools` must be a list")
    for index, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind not in FUNCTION_TOOLS:
            raise HTTPError(400, "validation_error", f"tools[{index}]: {kind!r} is a built-in tool its provider bills "
                            "apart from tokens, at a price this gateway does not hold; only function tools are "
                            "served")


def response_id(document: Any) -> str | None:
    """The id of a response object (or of the one a stream event carries)."""
    if isinstance(document, dict) and isinstance(document.get("response"), dict):
        document = document["response"]
    ident = document.get("id") if isinstance(document, dict) else None
    return ident if isinstance(ident, str) and 0 < len(ident) <= 200 else None


class ResponsesStream(TokenStream):
    """The meter of a Responses API stream (typed events, no `[DONE]`)."""

    flavor = "openai-responses"
    response_id: str | None = None
    failed = False
    held = b""  # the terminal event, sent last (closing)

    def forward(self, chunk: bytes) -> bytes:
        out = []
        for event in self.events.feed(chunk):
            if speaks_for_compose(event):
                log.warning("dropped an upstream event named %r", event_name(event)[:40])
                continue
            data = sse_data(event)
            document = None
            if data is not None:
                try:
                    document = orjson.loads(data)
                except orjson.JSONDecodeError:
                    document = None
            if isinstance(document, dict):
                self._read(document, event_name(event).decode("utf-8", "replace"))
            self.relayed += data is not None
            if self.done:
                self.held = event + b"\n\n"
                break  # the terminal event: what follows is not read
            out.append(event + b"\n\n")
        return b"".join(out)

    def _read(self, document: dict[str, Any], named: str) -> None:
        kind = document.get("type") if isinstance(document.get("type"), str) else named
        if kind == "response.created":
            self.response_id = response_id(document)
        elif kind in DELTAS and isinstance(document.get("delta"), str):
            self.output_bytes += len(document["delta"].encode())
        elif kind in TERMINAL:
            self.done = True
            self.failed = kind == "response.failed"
            self.response_id = self.response_id or response_id(document)
            response = document.get("response")
            if isinstance(response, dict) and isinstance(response.get("usage"), dict):
                self.usage = response

    def served_nothing(self, disconnected: bool, broken: str | None) -> bool:
        """No output and no usage (it failed, broke or ended before producing anything): nothing is charged."""
        return not disconnected and self.usage is None and self.output_bytes == 0

    def abort_reason(self, broken: str | None) -> str:
        return "upstream_failed" if self.failed else super().abort_reason(broken)

    def missing_usage(self) -> str:
        return "usage unreadable" if self.usage else "no usage in a terminal event"

    def closing(self) -> bytes:
        return self.held  # the terminal event, after the receipt: the stream ends as the provider's did

    def receipt_event(self, receipt: dict[str, Any]) -> bytes:
        event = {"type": "compose.receipt", **receipts.camel(receipt)}
        return b"event: compose.receipt\ndata: " + orjson.dumps(event) + b"\n\n"
