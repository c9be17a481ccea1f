"""The agent/workflow runtime behind /agent/* and /workflow/*: over HTTP (`--runtime-url`), or the built-in
deterministic demo runtime (`--demo`, tests).

A runtime answers the route's path with JSON carrying what it used: agents `usage` (+ `model`), workflows
`usageRecords`; the stream route answers SSE whose terminal event (`type` done / stopped / error) carries them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final, Protocol

import httpx
import orjson

import pricing
from gateway_min.runtime.demo_runs import DemoRuns
from gateway_min.upstream import UpstreamReply, exchange

CREATED: Final = 1_735_689_600
DEMO_MODEL: Final = "gpt-4.1"
DEMO_AGENTS: Final = ("0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222")


class Runtime(Protocol):
    async def send(self, path: str, body: dict[str, Any], headers: Mapping[str, str], stream: bool) -> UpstreamReply:
        ...

    async def control(self, method: str, path: str, body: dict[str, Any] | None,
                      headers: Mapping[str, str]) -> UpstreamReply:
        """A run's unmetered routes (state, stop, approval, prices): the runtime's answer, read whole."""
        ...


class HttpRuntime:
    """POST the same path and body to the runtime's base URL over the shared httpx client."""

    def __init__(self, base_url: str, client: httpx.AsyncClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = client

    async def send(self, path: str, body: dict[str, Any], headers: Mapping[str, str], stream: bool) -> UpstreamReply:
        url = self.base_url + path
        built = self.client.build_request("POST", url, content=orjson.dumps(body),
                                          headers={**headers, "content-type": "application/json"})
        return await exchange(self.client, built, stream, f"the runtime at {url}", stream_name="runtime stream")

    async def control(self, method: str, path: str, body: dict[str, Any] | None,
                      headers: Mapping[str, str]) -> UpstreamReply:
        url = self.base_url + path
        built = self.client.build_request(method, url, content=None if body is None else orjson.dumps(body),
                                          headers={**headers, "content-type": "application/json"})
        return await exchange(self.client, built, False, f"the runtime at {url}")


def _text(body: Mapping[str, Any]) -> str:
    for field in ("message", "input", "prompt"):
        if isinstance(body.get(field), str):
            return str(body[field])
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and isinstance(message.get("content"), str):
                return str(message["content"])
    return ""


class DemoRuntime:
    """Deterministic agents and workflows: words count as tokens, replies echo the request."""

    def __init__(self, *, chunk_delay: float = 0.0) -> None:
        self.chunk_delay = chunk_delay
        self.calls = 0
        self.runs = DemoRuns()

    async def send(self, path: str, body: dict[str, Any], headers: Mapping[str, str], stream: bool) -> UpstreamReply:
        self.calls += 1
        if path.startswith("/workflow/") and stream:
            wallet = path.split("/")[2].lower()
            result = {**self._workflow(body), "walletAddress": wallet}
            events = self.runs.stream(wallet, _text(body), result, headers.get("x-compose-run-id"), self.chunk_delay)
            return UpstreamReply(200, "text/event-stream", chunks=events)
        if path.startswith("/workflow/"):
            return _json(self._workflow(body))
        _, _, wallet, action = path.split("/", 3)
        model = body.get("model") if isinstance(body.get("model"), str) else DEMO_MODEL
        try:
            model = pricing.get_model(str(model)).id
        except pricing.UnknownModel:
            model = DEMO_MODEL
        words = _text(body).split()
        reply = ["Demo", "agent", wallet[:10] + ":", *words[:32]]
        prompt, completion = len(words) + 3, len(reply)
        if stream:
            return UpstreamReply(200, "text/event-stream", chunks=self._events(model, reply, prompt))
        if action == "responses":
            usage = {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion}
            ident = "resp_demo" + hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()[:20]
            return _json({"id": ident, "object": "response", "created_at": CREATED, "model": model,
                          "status": "completed", "output": [{"type": "message", "role": "assistant", "content": [
                              {"type": "output_text", "text": " ".join(reply)}]}], "usage": usage})
        usage = {"promptTokens": prompt, "completionTokens": completion, "totalTokens": prompt + completion}
        return _json({"agentWallet": wallet, "model": model, "output": " ".join(reply), "usage": usage})

    async def _events(self, model: str, reply: list[str], prompt: int) -> AsyncIterator[bytes]:
        yield b'data: {"type":"start"}\n\n'
        for word in reply:
            if self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
            yield b"data: " + orjson.dumps({"type": "text-delta", "delta": word + " "}) + b"\n\n"
        usage = {"promptTokens": prompt, "completionTokens": len(reply), "totalTokens": prompt + len(reply)}
        yield b"data: " + orjson.dumps({"type": "done", "model": model, "usage": usage}) + b"\n\n"

    def _workflow(self, body: Mapping[str, Any]) -> dict[str, Any]:
        words = len(_text(body).split())
        steps = [(DEMO_AGENTS[0], "gpt-4.1", words + 12, 40, None), (DEMO_AGENTS[1], "o3", 60, 90, 30)]
        records = []
        for wallet, model, inputs, outputs, reasoning in steps:
            record: dict[str, Any] = {"agentWallet": wallet, "model": model, "inputTokens": inputs,
                                      "outputTokens": outputs, "totalTokens": inputs + outputs,
                                      "timestamp": CREATED * 1000}
            if reasoning is not None:
                record["reasoningTokens"] = reasoning
            records.append(record)
        return {"success": True, "workflowId": body.get("workflowId") or "demo-workflow",
                "output": f"Demo workflow ran {len(steps)} agents.", "usageRecords": records}


    async def control(self, method: str, path: str, body: dict[str, Any] | None,
                      headers: Mapping[str, str]) -> UpstreamReply:
        return self.runs.control(method, path, body)


def _json(document: dict[str, Any]) -> UpstreamReply:
    return UpstreamReply(200, "application/json", orjson.dumps(document))
