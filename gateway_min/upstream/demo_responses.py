"""The demo provider's Responses API: create (plain, or streamed as OpenAI's typed events with usage in the
terminal event), retrieve, input items and cancel, for responses it keeps in memory (the last MAX_KEPT). Function
tools are called and `text.format` is followed as in chat (demo_shapes.py).

Deterministic like the rest of the demo: tokens are whitespace-separated words (plus 3 per input item), never more
than the engine's byte bound; a reply stops at `max_output_tokens` (then `incomplete`, reason `max_output_tokens`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any, Final

import orjson

from gateway_min.upstream.demo_shapes import DemoRefusal, prompt_words, responses_answer, words
from gateway_min.upstream.provider import UpstreamReply, UpstreamRequest

CREATED: Final = 1_735_689_600
MAX_KEPT: Final = 1_000


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [word for part in value for word in _words(part)]
    if isinstance(value, dict):
        return _words(value.get("text") or value.get("content") or value.get("output") or "")
    return []


def _items(body: dict[str, Any]) -> list[dict[str, Any]]:
    given = body.get("input", "")
    items = [{"role": "user", "content": given}] if isinstance(given, str) else list(given)
    return [item if isinstance(item, dict) else {"role": "user", "content": str(item)} for item in items]


def _error(status: int, message: str, code: str | None = None, param: str | None = None) -> UpstreamReply:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    return UpstreamReply(status, "application/json", orjson.dumps(body))


class DemoResponses:
    def __init__(self, chunk_delay: float = 0.0) -> None:
        self.chunk_delay = chunk_delay
        self.kept: OrderedDict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = OrderedDict()

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        if request.suffix:
            return self._read(request)
        return self._create(request)

    def _create(self, request: UpstreamRequest) -> UpstreamReply:
        body = request.body
        model = str(body.get("model"))
        items = _items(body)
        prompt = sum(len(_words(item)) + 3 + words(item.get("arguments")) for item in items) + \
            len(_words(body.get("instructions") or "")) + prompt_words(body)
        last = next((_words(item.get("content")) for item in reversed(items) if item.get("role") == "user"), [])
        asked = body.get("max_output_tokens")
        limit: int = asked if isinstance(asked, int) else 64
        reply = ["Demo", "response", "from", model + ":", *last[:48], "(end", "of", "demo", "response)"]
        digest = hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
        ident, item_id = "resp_demo" + digest[:24], digest[24:48]
        try:
            answer = responses_answer(body, items, reply, limit, ident)
        except DemoRefusal as refusal:
            return _error(400, str(refusal), "invalid_value", refusal.param)
        status = "incomplete" if answer.truncated else "completed"
        if answer.call is None:
            output: dict[str, Any] = {
                "type": "message", "id": "msg_demo" + item_id, "status": status, "role": "assistant",
                "content": [{"type": "output_text", "text": answer.text, "annotations": []}]}
        else:
            output = {"type": "function_call", "id": "fc_demo" + item_id, "call_id": answer.call.call_id,
                      "name": answer.call.name, "arguments": answer.text, "status": status}
        text = body.get("text") if isinstance(body.get("text"), dict) else {"format": {"type": "text"}}
        response = {
            "id": ident, "object": "response", "created_at": CREATED, "status": status, "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if answer.truncated else None,
            "instructions": body.get("instructions"), "max_output_tokens": body.get("max_output_tokens"),
            "model": model, "output": [output], "parallel_tool_calls": True, "previous_response_id":
            body.get("previous_response_id"), "store": True, "temperature": 1.0, "top_p": 1.0,
            "text": text, "tool_choice": body.get("tool_choice") or "auto", "tools": body.get("tools") or [],
            "truncation": "disabled", "metadata": body.get("metadata") or {},
            "usage": {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": len(answer.pieces), "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": prompt + len(answer.pieces)}}
        self.kept[ident] = (response, [{"id": f"msg_in{index}_{digest[:8]}", "type": "message", **item}
                                       for index, item in enumerate(items)])
        while len(self.kept) > MAX_KEPT:
            self.kept.popitem(last=False)
        if not request.stream:
            return UpstreamReply(200, "application/json", orjson.dumps(response))
        return UpstreamReply(200, "text/event-stream", chunks=self._events(response, output, answer.fragments()))

    async def _events(self, response: dict[str, Any], item: dict[str, Any],
                      fragments: list[str]) -> AsyncIterator[bytes]:
        sequence = 0

        def event(kind: str, **fields: Any) -> bytes:
            nonlocal sequence
            sequence += 1
            return (b"event: " + kind.encode() + b"\ndata: " +
                    orjson.dumps({"type": kind, "sequence_number": sequence, **fields}) + b"\n\n")

        started = {**response, "status": "in_progress", "output": [], "usage": None, "incomplete_details": None}
        yield event("response.created", response=started)
        yield event("response.in_progress", response=started)
        where = {"item_id": item["id"], "output_index": 0}
        if item["type"] == "function_call":
            yield event("response.output_item.added", output_index=0,
                        item={**item, "status": "in_progress", "arguments": ""})
            for fragment in fragments:
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
                yield event("response.function_call_arguments.delta", **where, delta=fragment)
            yield event("response.function_call_arguments.done", **where, name=item["name"],
                        arguments=item["arguments"])
        else:
            yield event("response.output_item.added", output_index=0,
                        item={**item, "status": "in_progress", "content": []})
            part = {"type": "output_text", "text": "", "annotations": []}
            yield event("response.content_part.added", **where, content_index=0, part=part)
            for fragment in fragments:
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
                yield event("response.output_text.delta", **where, content_index=0, delta=fragment, logprobs=[])
            text = item["content"][0]["text"]
            yield event("response.output_text.done", **where, content_index=0, text=text, logprobs=[])
            yield event("response.content_part.done", **where, content_index=0, part=item["content"][0])
        yield event("response.output_item.done", output_index=0, item=item)
        terminal = "response.completed" if response["status"] == "completed" else "response.incomplete"
        yield event(terminal, response=response)

    def _read(self, request: UpstreamRequest) -> UpstreamReply:
        path = request.suffix.split("?", 1)[0]
        ident, _, rest = path.lstrip("/").partition("/")
        kept = self.kept.get(ident)
        if kept is None:
            return _error(404, f"No response found with id '{ident}'.", "not_found")
        response, items = kept
        if request.method == "GET" and rest == "":
            return UpstreamReply(200, "application/json", orjson.dumps(response))
        if request.method == "GET" and rest == "input_items":
            listed = {"object": "list", "data": list(reversed(items)), "first_id": items[-1]["id"],
                      "last_id": items[0]["id"], "has_more": False}
            return UpstreamReply(200, "application/json", orjson.dumps(listed))
        if request.method == "POST" and rest == "cancel":
            return _error(400, "Only responses created with background=true can be cancelled.")
        return _error(404, f"unknown route /responses{request.suffix}")
