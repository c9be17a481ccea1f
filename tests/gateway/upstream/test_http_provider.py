"""The production upstream path: HttpProvider on the shared UpstreamClient and its lean HTTP/1.1 transport,
against a real server on 127.0.0.1 (raw asyncio, so each test decides exactly what goes over the wire)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import orjson
import pytest

from gateway_min.server import http_client as upstream_client
from gateway_min.upstream import HttpProvider, UpstreamRequest, UpstreamUnavailable
from gateway_min.upstream.transport import LeanTransport, UpstreamClient
from tests.gateway.support import auth, build, chat

pytestmark = pytest.mark.anyio
Reply = Callable[[bytes, bytes, asyncio.StreamWriter], Awaitable[bool]]  # (head, body, writer) -> keep going
CHAT = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


def response(body: bytes, status: str = "200 OK", content_type: str = "application/json") -> bytes:
    return (b"HTTP/1.1 %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n\r\n" % (
        status.encode(), content_type.encode(), len(body))) + body


class Upstream:
    """Reads each request (head and content-length body), records it, and answers with `reply`."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.requests: list[tuple[bytes, bytes]] = []
        self.connections = 0
        self.port = 0
        self.handlers: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                body = await reader.readexactly(length)
                self.requests.append((head, body))
                if not await self.reply(head, body, writer):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except asyncio.CancelledError:  # serving() ends it: quietly (asyncio logs a handler task that ends cancelled)
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serving(reply: Reply, client: httpx.AsyncClient | None = None
                  ) -> AsyncIterator[tuple[Upstream, HttpProvider]]:
    """The upstream on a free port and a provider for it, on `client` (default: the gateway's own)."""
    upstream = Upstream(reply)
    server = await asyncio.start_server(upstream.handle, "127.0.0.1", 0)
    upstream.port = server.sockets[0].getsockname()[1]
    client = client or upstream_client()
    try:
        yield upstream, HttpProvider(f"http://127.0.0.1:{upstream.port}/v1", "sk-test", client)
    finally:
        await client.aclose()
        server.close()
        for task in upstream.handlers:  # wait_closed() does not wait for them on 3.11
            task.cancel()
        await asyncio.gather(*upstream.handlers, return_exceptions=True)
        await server.wait_closed()


def canned(body: bytes) -> Reply:
    async def reply(head: bytes, request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(body))
        return True
    return reply


async def test_a_json_call_sends_the_request_as_built_and_reads_the_reply() -> None:
    answer = orjson.dumps({"id": "x", "usage": {"prompt_tokens": 3, "completion_tokens": 2}})
    async with serving(canned(answer)) as (upstream, provider):
        reply = await provider.send(UpstreamRequest("chat", CHAT))
        assert (reply.status, reply.content_type, await reply.read()) == (200, "application/json", answer)
    head, body = upstream.requests[0]
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v1/chat/completions HTTP/1.1"
    fields = {name.lower(): value.strip() for name, value in (line.split(":", 1) for line in lines[1:] if line)}
    assert fields["authorization"] == "Bearer sk-test"
    assert fields["content-type"] == "application/json"
    assert fields["host"] == f"127.0.0.1:{upstream.port}"
    assert "user-agent" in fields  # the client's default headers are merged as build_request would
    assert orjson.loads(body) == CHAT


async def test_keep_alive_reuses_one_connection() -> None:
    async with serving(canned(b"{}")) as (upstream, provider):
        for _ in range(5):
            assert await (await provider.send(UpstreamRequest("embeddings", {"input": "a"}))).read() == b"{}"
    assert upstream.connections == 1
    assert [head.split(b" ")[1] for head, _ in upstream.requests] == [b"/v1/embeddings"] * 5


async def test_a_stale_keep_alive_connection_is_retried_once_on_a_new_one() -> None:
    async def once_then_close(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(b"{}"))
        return False  # the server drops the connection after each answer, as an idle timeout would

    async with serving(once_then_close) as (upstream, provider):
        assert await (await provider.send(UpstreamRequest("chat", CHAT))).read() == b"{}"
        await asyncio.sleep(0.05)
        assert await (await provider.send(UpstreamRequest("chat", CHAT))).read() == b"{}"
    assert upstream.connections == 2


async def test_a_stream_is_passed_on_chunk_by_chunk_as_it_arrives() -> None:
    gate = asyncio.Event()

    async def chunked(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
        for event in (b"data: one\n\n", b"data: two\n\n"):
            writer.write(b"%x\r\n%s\r\n" % (len(event), event))
            await writer.drain()
            await gate.wait()
        writer.write(b"0\r\n\r\n")
        return True

    async with serving(chunked) as (upstream, provider), asyncio.timeout(5):  # buffering would hang: fail instead
        reply = await provider.send(UpstreamRequest("chat", {**CHAT, "stream": True}, stream=True))
        assert reply.content_type == "text/event-stream" and reply.chunks is not None
        first = await anext(reply.chunks)  # arrives before the upstream has sent the rest
        assert first == b"data: one\n\n"
        gate.set()
        assert [chunk async for chunk in reply.chunks] == [b"data: two\n\n"]
        await reply.close()
    assert b"accept-encoding: identity" in upstream.requests[0][0].lower()


async def test_a_compressed_stream_is_passed_on_decoded() -> None:
    """Asked uncompressed, a provider may compress anyway: the client gets the events, not gzip bytes."""
    compressor = zlib.compressobj(wbits=31)  # gzip framing

    async def gzipped(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-encoding: gzip\r\n"
                     b"transfer-encoding: chunked\r\n\r\n")
        for part in (compressor.compress(b"data: one\n\n") + compressor.flush(zlib.Z_SYNC_FLUSH),
                     compressor.compress(b"data: [DONE]\n\n") + compressor.flush()):
            writer.write(b"%x\r\n%s\r\n" % (len(part), part))
        writer.write(b"0\r\n\r\n")
        return True

    async with serving(gzipped) as (_, provider), asyncio.timeout(5):
        reply = await provider.send(UpstreamRequest("chat", {**CHAT, "stream": True}, stream=True))
        assert reply.chunks is not None
        assert b"".join([chunk async for chunk in reply.chunks]) == b"data: one\n\ndata: [DONE]\n\n"
        await reply.close()


async def test_an_error_status_is_read_whole_even_when_a_stream_was_asked() -> None:
    error = orjson.dumps({"error": {"message": "bad model"}})

    async def refuse(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(response(error, "400 Bad Request"))
        return True

    async with serving(refuse) as (_, provider):
        reply = await provider.send(UpstreamRequest("chat", CHAT, stream=True))
        assert (reply.status, reply.chunks, reply.body) == (400, None, error)


async def test_a_connection_closed_mid_body_is_upstream_unavailable() -> None:
    async def truncated(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\"")
        return False

    async with serving(truncated) as (_, provider):
        with pytest.raises(UpstreamUnavailable, match=r"RemoteProtocolError reading http://127\.0\.0\.1"):
            await provider.send(UpstreamRequest("chat", CHAT))


async def test_a_paid_call_whose_body_breaks_off_is_a_502_that_charges_nothing(tmp_path: Path) -> None:
    """Through the real provider: the hold is aborted as `upstream_broken`, and the 502 says the answer broke off
    and carries the intent id and the released budget."""
    async def truncated(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\"")
        return False

    async with serving(truncated) as (_, provider):
        harness = build(tmp_path, provider)
        try:
            token, _ = await harness.create_key(10_000_000)
            async with harness.client() as client:
                answer = await client.post("/v1/chat/completions", headers=auth(token), json=chat())
            assert answer.status_code == 502 and answer.json()["error"]["code"] == "provider_unavailable"
            assert answer.json()["error"]["message"].startswith("the provider's answer broke off: RemoteProtocolError")
            assert answer.headers["x-compose-key-budget-reserved"] == "0"
            intent = await harness.ledger.get_intent(answer.headers["x-payment-intent-id"])
            assert intent is not None and (intent.state, intent.reason) == ("aborted", "upstream_broken")
        finally:
            harness.ledger.close()


async def test_a_stream_that_breaks_is_upstream_unavailable_naming_the_stream() -> None:
    async def broken(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
                     b"b\r\ndata: one\n\n\r\n")
        return False

    async with serving(broken) as (_, provider):
        reply = await provider.send(UpstreamRequest("chat", CHAT, stream=True))
        assert reply.chunks is not None
        with pytest.raises(UpstreamUnavailable, match="the stream broke: RemoteProtocolError"):
            _ = [chunk async for chunk in reply.chunks]
        await reply.close()  # what the relay does in any case: the broken connection is closed, never reused


async def test_garbage_instead_of_http_is_upstream_unavailable() -> None:
    async def garbage(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        return True

    async with serving(garbage) as (_, provider):
        with pytest.raises(UpstreamUnavailable, match="RemoteProtocolError calling"):
            await provider.send(UpstreamRequest("chat", CHAT))


async def test_nothing_listening_is_upstream_unavailable() -> None:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    async with upstream_client() as client:
        provider = HttpProvider(f"http://127.0.0.1:{port}/v1", None, client)
        with pytest.raises(UpstreamUnavailable, match=f"ConnectError calling http://127.0.0.1:{port}/v1/chat"):
            await provider.send(UpstreamRequest("chat", CHAT))


async def test_a_silent_upstream_times_out_on_the_clients_read_timeout() -> None:
    async def silent(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(1)
        return False

    client = UpstreamClient(transport=LeanTransport(), timeout=httpx.Timeout(5, read=0.2))
    async with serving(silent, client) as (_, provider):
        started = asyncio.get_running_loop().time()
        with pytest.raises(UpstreamUnavailable, match="ReadTimeout calling"):
            await provider.send(UpstreamRequest("chat", CHAT))
        assert asyncio.get_running_loop().time() - started < 2


async def test_a_multipart_upload_reaches_the_upstream_as_form_data() -> None:
    async with serving(canned(b'{"text": "ok"}')) as (upstream, provider):
        reply = await provider.send(UpstreamRequest("transcription", {"model": "whisper-1", "temperature": 0},
                                                    files=[("file", ("a.wav", b"RIFF....", "audio/wav"))]))
        assert await reply.read() == b'{"text": "ok"}'
    head, body = upstream.requests[0]
    assert head.startswith(b"POST /v1/audio/transcriptions HTTP/1.1")
    assert b"multipart/form-data; boundary=" in head and b"authorization: bearer sk-test" in head.lower()
    assert b'name="model"\r\n\r\nwhisper-1' in body and b'name="temperature"\r\n\r\n0' in body
    assert b'filename="a.wav"' in body and b"RIFF...." in body
