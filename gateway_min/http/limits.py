"""Connection bounds uvicorn's httptools protocol lacks, for a server exposed to the internet.

uvicorn bounds the idle time between requests on a kept-alive connection (`timeout_keep_alive`), but not:
- the size of a request's head (request line and headers): httptools reads whatever comes, so a 64 MB header was
  read into memory; above MAX_HEAD_BYTES the connection is answered 431 and closed;
- the time to receive a request's head: a connection that sends nothing, or only part of its headers, was held
  forever (1,100 of them exhausted a 1,024-descriptor limit); after HEAD_SECONDS it is answered 408 and closed;
- the number of connections: past MAX_CONNECTIONS per process a new connection is answered 503 and closed at once,
  so the descriptors that are left keep serving (`serve` also raises the soft descriptor limit to the hard one).
The bounds are read once per process from the environment (`serve` exports its flags there, for every worker).
A graceful shutdown marks the process as draining (`draining()`): streams that would otherwise stay open for long
(the session events) end, so that the shutdown does not wait on them.
"""

from __future__ import annotations

import asyncio
import functools
import os
import resource
import threading
from dataclasses import dataclass
from typing import Any, Final

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD_BYTES: Final = 64 * 1024  # request line and headers; nginx allows 32 KiB by default, Node 16 KiB
HEAD_SECONDS: Final = 10.0  # to receive a request's head, from the connection (or its first byte after keep-alive)
KEEP_ALIVE_SECONDS: Final = 5  # idle between requests on a kept-alive connection (uvicorn's own default)
MAX_CONNECTIONS: Final = 1_000  # per worker process


_DRAINING: Final = threading.Event()


def draining() -> bool:
    """Whether this process's server is shutting down (long-lived streams should end)."""
    return _DRAINING.is_set()


@dataclass(frozen=True)
class Limits:
    max_head_bytes: int = MAX_HEAD_BYTES
    head_seconds: float = HEAD_SECONDS
    keep_alive_seconds: int = KEEP_ALIVE_SECONDS
    max_connections: int = MAX_CONNECTIONS

    @classmethod
    def from_env(cls) -> Limits:
        env = os.environ
        return cls(int(env.get("GATEWAY_MAX_HEAD_BYTES", MAX_HEAD_BYTES)),
                   float(env.get("GATEWAY_HEAD_SECONDS", HEAD_SECONDS)),
                   int(env.get("GATEWAY_KEEP_ALIVE_SECONDS", KEEP_ALIVE_SECONDS)),
                   int(env.get("GATEWAY_MAX_CONNECTIONS", MAX_CONNECTIONS)))

    def export(self) -> dict[str, str]:
        return {"GATEWAY_MAX_HEAD_BYTES": str(self.max_head_bytes), "GATEWAY_HEAD_SECONDS": str(self.head_seconds),
                "GATEWAY_KEEP_ALIVE_SECONDS": str(self.keep_alive_seconds),
                "GATEWAY_MAX_CONNECTIONS": str(self.max_connections)}


@functools.cache
def limits() -> Limits:
    return Limits.from_env()


def raise_descriptor_limit() -> int:
    """The soft limit on open descriptors raised to the hard one (each connection holds one); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft


def _refusal(status: int, reason: bytes, message: str) -> bytes:
    code = reason.decode().lower().replace(" ", "_")
    body = orjson.dumps({"error": {"code": code, "message": message}})
    return (b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n"
            % (status, reason, len(body))) + body


class GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with the bounds above (`uvicorn.Config(http="gateway_min.http.limits:…")`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bounds = limits()
        self.reading_head = True  # until the current request's headers are complete
        self.head_bytes = 0
        self.head_tail = b""  # the last bytes of the head so far: its blank line may span two segments
        self.head_since: float | None = None  # loop time the current head began (its connection, or first byte)
        # one timer per connection, re-armed only when it fires during a head: a kept-alive connection's requests
        # arm none of their own (a timer each would cost more than the check)
        self.head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.bounds.max_connections:
            self._refuse(503, b"Service Unavailable", "too many connections: try again shortly")
            return
        self._head_begins()  # a connection that sends nothing is closed too

    def shutdown(self) -> None:
        _DRAINING.set()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.reading_head:
            if self.head_since is None:  # the first bytes after a kept-alive idle: the next request's head
                self._head_begins()
            self.head_bytes += self._head_part(data)
            if self.head_bytes > self.bounds.max_head_bytes:
                self._refuse(431, b"Request Header Fields Too Large",
                             f"the request line and headers exceed {self.bounds.max_head_bytes} bytes")
                return
        super().data_received(data)

    def _head_part(self, data: bytes) -> int:
        """How many bytes of `data` belong to the head: up to its blank line, if it is in `data` (a body in the
        same segment is not head)."""
        window = self.head_tail + data
        ends = [found + size for mark, size in ((b"\r\n\r\n", 4), (b"\n\n", 2))
                if (found := window.find(mark)) >= 0]
        self.head_tail = window[-3:]
        return len(data) if not ends else max(0, min(ends) - (len(window) - len(data)))

    def on_headers_complete(self) -> None:
        self.reading_head = False
        self.head_since = None
        self.head_bytes = 0
        self.head_tail = b""
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.reading_head = True  # what comes next is the next request's head (its clock starts with its bytes)

    def _head_begins(self) -> None:
        self.head_since = self.loop.time()
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(self.bounds.head_seconds, self._head_check)

    def _head_check(self) -> None:
        """The connection's timer: a head under way past the bound is a 408; one under way for less, checked again
        when it would be; none under way (a response being written, or idle: keep-alive's bound), nothing."""
        self.head_timer = None
        if not self.reading_head or self.head_since is None or self.transport.is_closing():
            return
        waited = self.loop.time() - self.head_since
        if waited >= self.bounds.head_seconds and (self.cycle is None or self.cycle.response_complete):
            self._refuse(408, b"Request Timeout",
                         f"the request's headers did not arrive within {self.bounds.head_seconds:g} s")
            return
        later = self.bounds.head_seconds - waited if waited < self.bounds.head_seconds else self.bounds.head_seconds
        self.head_timer = self.loop.call_later(later, self._head_check)

    def _refuse(self, status: int, reason: bytes, message: str) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        if not self.transport.is_closing():
            self.transport.write(_refusal(status, reason, message))
            self.transport.close()
        self.reading_head = False
