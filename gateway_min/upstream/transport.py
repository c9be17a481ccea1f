"""A lean HTTP/1.1 transport for the shared httpx.AsyncClient: asyncio streams, keep-alive, httptools' C parser.

Why: httpx's default transport (httpcore over anyio) measured ~0.9 ms of CPU per upstream request on the
benchmark machine, more than the gateway's whole latency budget (scripts/bench_gateway.py). This transport keeps
httpx's client API, request/response models, timeouts and exceptions, and does only HTTP/1.1 with keep-alive
(TLS through asyncio's ssl), which is what OpenAI-compatible providers speak. Bodies stream as they arrive.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from typing import Final

import httptools
import httpx

_Origin = tuple[str, str, int]
MAX_IDLE: Final = 64


class _Connection:
    __slots__ = ("reader", "reused", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False

    def close(self) -> None:
        self.writer.close()


class _Message:
    """httptools callbacks: headers, then body chunks as they are parsed."""

    def __init__(self) -> None:
        self.parser: httptools.HttpResponseParser | None = None
        self.keep_alive = False  # read when the headers are done: httptools resets it at the message's end
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self.chunks: deque[bytes] = deque()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.keep_alive = self.parser is not None and self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(bytes(body))

    def on_message_complete(self) -> None:
        self.complete = True


class _Body(httpx.AsyncByteStream):
    def __init__(self, transport: LeanTransport, origin: _Origin, conn: _Connection,
                 parser: httptools.HttpResponseParser, message: _Message, read_timeout: float | None) -> None:
        self.transport, self.origin, self.conn = transport, origin, conn
        self.parser, self.message, self.read_timeout = parser, message, read_timeout
        self.done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        message = self.message
        while True:
            while message.chunks:
                yield message.chunks.popleft()
            if message.complete:
                break
            data = await _read(self.conn, self.read_timeout)
            if not data:
                raise httpx.RemoteProtocolError("the server closed the connection before the response ended")
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError as exc:
                raise httpx.RemoteProtocolError(f"malformed response body: {exc}") from None
        self.done = True

    async def aclose(self) -> None:
        if self.done and self.message.complete and self.message.keep_alive:
            self.transport._release(self.origin, self.conn)
        else:
            self.conn.close()


async def _read(conn: _Connection, timeout: float | None) -> bytes:
    try:
        if timeout is None:
            return await conn.reader.read(65_536)
        async with asyncio.timeout(timeout):  # no extra task per read, unlike wait_for on 3.11
            return await conn.reader.read(65_536)
    except TimeoutError:
        conn.close()
        raise httpx.ReadTimeout("the upstream sent nothing within the read timeout") from None
    except OSError as exc:
        conn.close()
        raise httpx.ReadError(str(exc)) from None


class LeanTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, max_idle: int = MAX_IDLE, ssl_context: ssl.SSLContext | None = None) -> None:
        self.max_idle = max_idle
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.idle: defaultdict[_Origin, list[_Connection]] = defaultdict(list)

    def _release(self, origin: _Origin, conn: _Connection) -> None:
        pool = self.idle[origin]
        if len(pool) < self.max_idle and not conn.writer.is_closing():
            conn.reused = True
            pool.append(conn)
        else:
            conn.close()

    async def _connect(self, origin: _Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(
                host, port, ssl=self.ssl_context if scheme == "https" else None, limit=1 << 20), timeout)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from None
        return _Connection(reader, writer)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin: _Origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in (b"content-length", b"transfer-encoding")]
        head = b"%s %s HTTP/1.1\r\n" % (request.method.encode(), url.raw_path)
        head += b"".join(k + b": " + v + b"\r\n" for k, v in headers)
        head += b"content-length: %d\r\n\r\n" % len(body)
        for attempt in (1, 2):
            pool = self.idle[origin]
            conn = pool.pop() if pool else await self._connect(origin, timeouts.get("connect"))
            message = _Message()
            parser = message.parser = httptools.HttpResponseParser(message)
            try:
                conn.writer.write(head + body)
                while not message.headers_done:
                    data = await _read(conn, timeouts.get("read"))
                    if not data:
                        raise httpx.RemoteProtocolError("the server closed the connection without a response")
                    parser.feed_data(data)
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                conn.close()
                if conn.reused and attempt == 1 and not message.headers:  # a stale keep-alive connection
                    continue
                raise exc from None
            except httptools.HttpParserError as exc:
                conn.close()
                raise httpx.RemoteProtocolError(f"malformed response: {exc}") from None
            stream = _Body(self, origin, conn, parser, message, timeouts.get("read"))
            return httpx.Response(parser.get_status_code(), headers=message.headers, stream=stream,
                                  extensions={"http_version": b"HTTP/1.1"})
        raise AssertionError("unreachable")  # pragma: no cover

    async def aclose(self) -> None:
        for pool in self.idle.values():
            for conn in pool:
                conn.close()
        self.idle.clear()


class _NoCookies(httpx.Cookies):
    """Provider APIs are stateless: their responses' cookies are neither kept nor sent."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class UpstreamClient(httpx.AsyncClient):
    """The shared upstream client, without a cookie jar (its per-response parsing cost ~8% of a request)."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        if cookies:
            raise ValueError("the upstream client keeps no cookies")


_NO_COOKIES: Final = _NoCookies()
