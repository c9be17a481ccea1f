"""The connection bounds of a live `serve` (http/limits.py), driven with raw sockets: a head too large is a 431, a
head that does not arrive in time a 408, an idle kept-alive connection is closed, and connections past the bound
are refused at once so that the server keeps serving."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from gateway_min.http.limits import HEAD_SECONDS, KEEP_ALIVE_SECONDS, MAX_CONNECTIONS, MAX_HEAD_BYTES, Limits
from tests.gateway.support import gateway_process

BOUNDS = ("--head-timeout", "1", "--keep-alive", "1", "--max-connections", "20", "--max-head-bytes", "8192")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with gateway_process(tmp_path_factory.mktemp("limits"), *BOUNDS) as url:
        yield url


def connect(base: str) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def one_response(sock: socket.socket) -> bytes:
    """One whole HTTP response (its head, then content-length bytes of body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_the_defaults_are_the_documented_ones() -> None:
    assert Limits() == Limits(64 * 1024, 10.0, 5, 1_000)
    assert (MAX_HEAD_BYTES, HEAD_SECONDS, KEEP_ALIVE_SECONDS, MAX_CONNECTIONS) == (65_536, 10.0, 5, 1_000)


def test_a_head_over_the_bound_is_a_431_and_the_connection_is_closed(base: str) -> None:
    with connect(base) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\nx-filler: ")
        sent = 0
        try:
            while sent < 64 << 20:  # a 64 MB header: the server must not read it all
                sock.sendall(b"a" * 65536)
                sent += 65536
        except OSError:  # it closed the connection while we were still sending
            pass
        reply = answer(sock)
    assert sent < 8 << 20
    assert reply.startswith(b"HTTP/1.1 431 ") and b"request_header_fields_too_large" in reply


def test_a_body_is_not_counted_as_head(base: str) -> None:
    body = b'{"model": "gpt-4.1", "messages": [], "padding": "' + b"x" * 200_000 + b'"}'
    response = httpx.post(f"{base}/v1/chat/completions", content=body,
                          headers={"content-type": "application/json", "authorization": "Bearer compose-none"})
    assert response.status_code == 401  # the body was read whole, and the key refused


@pytest.mark.parametrize("sent", [b"", b"GET /health HTTP/1.1\r\nhost: x\r\n"])
def test_a_head_that_does_not_arrive_in_time_is_a_408(base: str, sent: bytes) -> None:
    with connect(base) as sock:
        started = time.monotonic()
        sock.sendall(sent)
        reply = answer(sock)
        waited = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408 ") and b"request_timeout" in reply
    assert 0.8 < waited < 5


def test_an_idle_kept_alive_connection_is_closed(base: str) -> None:
    with connect(base) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
        first = one_response(sock)
        started = time.monotonic()
        rest = answer(sock)
        waited = time.monotonic() - started
    assert first.startswith(b"HTTP/1.1 200 ") and rest == b""
    assert waited < 5


def test_a_second_request_on_a_kept_alive_connection_has_its_own_head_timer(base: str) -> None:
    with connect(base) as sock:
        for _ in range(3):
            sock.sendall(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
            assert one_response(sock).startswith(b"HTTP/1.1 200 ")
            time.sleep(0.5)  # under the keep-alive bound
        sock.sendall(b"GET /health HTTP/1.1\r\n")  # half a head, then nothing
        assert answer(sock).startswith(b"HTTP/1.1 408 ")


def test_connections_past_the_bound_are_refused_at_once_and_the_server_keeps_serving(base: str) -> None:
    idle = [connect(base) for _ in range(20)]
    try:
        time.sleep(0.2)
        with connect(base) as extra:
            started = time.monotonic()
            refused = answer(extra)
            assert time.monotonic() - started < 1
        assert refused.startswith(b"HTTP/1.1 503 ") and b"too many connections" in refused
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 5
    while True:  # the idle ones are gone (closed by us, or by the head timer): the server answers again
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_a_thousand_silent_connections_are_shed_and_health_still_answers(base: str) -> None:
    """The outside hostile test: 1,100 sockets that send nothing made /health fail. They are refused past the
    bound and closed by the head timer; /health answers once they are."""
    silent = []
    try:
        for _ in range(1_100):
            try:
                silent.append(connect(base))
            except OSError:
                break
        time.sleep(1.5)  # past the head timeout: every silent connection the server kept has been closed
        assert httpx.get(f"{base}/health", timeout=5).status_code == 200
    finally:
        for sock in silent:
            sock.close()
