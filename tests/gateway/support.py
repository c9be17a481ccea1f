"""Test support: build the real app on a temporary ledger, run it on 127.0.0.1, fake upstreams with faults."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn

from gateway_min.app import App
from gateway_min.context import Gateway
from gateway_min.ledger import Ledger, open_ledger
from gateway_min.ledger.postgres import PostgresLedger
from gateway_min.upstream import Providers, UpstreamReply, UpstreamRequest, UpstreamUnavailable
from gateway_min.upstream.demo import DemoProvider
from gateway_min.work.audio import wav_silence as wav  # noqa: F401 - the tests' WAV files
from tests.gateway.ledger import backends

ADMIN = "admin-test-token"
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER_WALLET = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
KEY_HEADERS = {"authorization": f"Bearer {ADMIN}", "x-session-user-address": WALLET, "x-chain-id": "43113"}


class Clock:
    """Unix milliseconds that tests move by hand."""

    def __init__(self, start: int = 1_790_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@dataclass
class Harness:
    app: App
    gw: Gateway
    ledger: Ledger
    clock: Clock
    provider: Any
    location: str = ""

    def close(self) -> None:
        self.ledger.close()
        backends.drop_schema(self.location)

    async def aclose(self) -> None:
        """Close in the test's event loop (a PostgreSQL pool belongs to it), then whatever other loops opened; what
        the gateway started in the background (a key's collection) finishes first."""
        while self.gw.tasks:
            await asyncio.gather(*self.gw.tasks, return_exceptions=True)
        await self.ledger.aclose()
        self.ledger.close()
        await asyncio.to_thread(backends.drop_schema, self.location)

    def client(self, base_url: str = "http://gateway.test") -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=base_url, timeout=30)

    async def create_key(self, budget: int, *, wallet: str = WALLET, expires_in_ms: int = 86_400_000,
                         client: httpx.AsyncClient | None = None) -> tuple[str, str]:
        """(token, key id)."""
        async with self.client() as own:
            http = client or own
            response = await http.post("/api/keys", headers={**KEY_HEADERS, "x-session-user-address": wallet},
                                       json={"budgetLimit": budget, "expiresAt": self.clock() + expires_in_ms,
                                             "chainId": 43113, "purpose": "api"})
        assert response.status_code == 201, response.text
        body = response.json()
        return body["token"], body["keyId"]


@contextmanager
def harness_on(tmp: Path, provider: Any) -> Iterator[tuple[Harness, Any]]:
    """(a harness whose every model is served by `provider`, the provider); the ledger is closed afterwards."""
    harness = build(tmp, provider)
    try:
        yield harness, provider
    finally:
        harness.close()


def build(tmp: Path, provider: Any = None, *, clock: Clock | None = None, db: str | None = None,
          backend: str = "sqlite") -> Harness:
    """The app on a ledger of `backend` (backends.py): a file in `tmp`, or a fresh PostgreSQL schema; `db` names
    one to reuse (a restart)."""
    clock = clock or Clock()
    location = db or backends.location(backend, tmp)
    ledger = open_ledger(location, clock=clock)
    provider = provider or DemoProvider()
    gw = Gateway(ledger=ledger, providers=Providers(every=provider), admin_token=ADMIN, clock=clock)
    return Harness(App(gw), gw, ledger, clock, provider, location)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gateway_process(tmp: Path, *args: str) -> Iterator[str]:
    """`python -m gateway_min serve --demo` as it is deployed, in its own process on 127.0.0.1 (the ledger in `tmp`,
    more options in `args`); yields its base URL once /health answers; stops it afterwards."""
    with gateway_server(tmp, *args) as (_, base):
        yield base


@contextmanager
def gateway_server(tmp: Path, *args: str, db: str | None = None,
                   env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """gateway_process, yielding the process too (to kill it). `db`: another ledger than `tmp`'s SQLite file (a
    PostgreSQL URL); the process runs in `tmp`, so relative paths (var/…) stay there."""
    port = free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gateway_min", "serve", "--demo", "--db", db or str(tmp / "gateway.sqlite3"),
             "--port", str(port), "--log-level", "warning", "--demo-chunk-delay", "0", *args],
            env={**os.environ, "COMPOSE_ADMIN_TOKEN": ADMIN, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
            cwd=tmp)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise AssertionError(f"server did not start: {log_path.read_text()}")
                time.sleep(0.2)
            yield server, base
        finally:
            if server.poll() is None:
                server.terminate()
            server.wait(timeout=30)


@contextmanager
def serve(app: Any, port: int | None = None) -> Iterator[str]:
    """Run `app` with uvicorn on 127.0.0.1 in a thread; yields its base URL; stops it afterwards."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)

    async def run() -> None:
        try:
            await server.serve()
        finally:  # background work of this loop finishes, and a PostgreSQL ledger's pool of this loop closes
            gw = getattr(app, "gw", None)
            while gw is not None and gw.tasks:
                await asyncio.gather(*gw.tasks, return_exceptions=True)
            ledger = getattr(gw, "ledger", None)
            if isinstance(ledger, PostgresLedger):
                await ledger.aclose()

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class FaultyProvider:
    """A provider that fails on purpose: `mode` picks the fault; counts the calls it receives."""

    mode: str = "ok"
    chunks: int = 5
    delay: float = 0.0
    calls: int = 0
    seen: list[dict[str, Any]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    usage: dict[str, int] = field(default_factory=lambda: {"prompt_tokens": 7, "completion_tokens": 5,
                                                           "total_tokens": 12})

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        self.calls += 1
        self.seen.append(request.body)
        if self.mode == "unreachable":
            raise UpstreamUnavailable("ConnectError calling fake")
        if self.mode == "error_before":
            return UpstreamReply(503, "application/json", orjson.dumps({"error": {"message": "overloaded"}}))
        if not request.stream:
            body = {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": {
                "role": "assistant", "content": "hi"}, "finish_reason": "stop"}], "usage": self.usage}
            if self.mode == "no_usage":
                del body["usage"]
            return UpstreamReply(200, "application/json", orjson.dumps(body))

        async def close() -> None:
            self.closed.set()

        return UpstreamReply(200, "text/event-stream", chunks=self._events(), close=close)

    async def _events(self) -> AsyncIterator[bytes]:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            return b"data: " + orjson.dumps({"id": "x", "object": "chat.completion.chunk", "choices": [
                {"index": 0, "delta": delta, "finish_reason": finish}]}) + b"\n\n"

        yield chunk({"role": "assistant", "content": ""})
        if self.mode == "odd_chunk":  # valid JSON, not the shape of a chunk
            yield b'data: {"choices": 5}\n\n'
        for i in range(self.chunks):
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.mode == "break_after" and i == 2:
                raise UpstreamUnavailable("the stream broke: ReadError")
            yield chunk({"content": f"w{i} "})
        yield chunk({}, "stop")
        if self.mode != "no_usage":
            yield b"data: " + orjson.dumps({"id": "x", "object": "chat.completion.chunk", "choices": [],
                                            "usage": self.usage}) + b"\n\n"
        yield b"data: [DONE]\n\n"


def chat(content: str = "Hello there", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "messages": [{"role": "user", "content": content}], "max_tokens": 64, **extra}


def auth(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
