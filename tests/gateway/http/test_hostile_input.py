"""Input built to break the gateway rather than to use it: each case is a 4xx that reserves nothing."""

from __future__ import annotations

import asyncio
import base64
import socket
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_min import server
from gateway_min.http import request as http
from gateway_min.http.request import MAX_DEPTH, nested_within
from gateway_min.work.audio import wav_seconds
from tests.gateway.support import KEY_HEADERS, Harness, auth, build, chat, gateway_process, serve, wav

pytestmark = pytest.mark.anyio


def nested(depth: int) -> Any:
    """`depth` levels of arrays and objects, alternating, around an empty array."""
    value: Any = []
    for level in range(depth - 1):
        value = [value] if level % 2 else {"k": value}
    return value


def deep_text(depth: int) -> bytes:
    return b'{"model":"gpt-4.1-mini","x":' + b"[" * depth + b"]" * depth + b"}"


def test_nesting_is_measured_level_by_level() -> None:
    assert nested_within(nested(MAX_DEPTH), MAX_DEPTH)
    assert not nested_within(nested(MAX_DEPTH + 1), MAX_DEPTH)
    assert nested_within("text", 1) and nested_within({}, 1) and not nested_within({"a": {}}, 1)
    assert nested_within([[1, 2], {"a": [3]}, "b"], 3) and not nested_within([[1, 2], {"a": [3]}, "b"], 2)


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/external/v1/chat/completions"])
async def test_json_nested_past_the_limit_is_a_400_that_reserves_nothing(harness: Harness, path: str) -> None:
    token, key_id = await harness.create_key(1_000_000)
    async with harness.client() as client:
        for depth, extra in ((MAX_DEPTH + 1, {}), (600, {"x-idempotency-key": "deep"})):
            body = {**chat("hi"), "metadata": nested(depth)}
            response = await client.post(path, headers={**auth(token), **extra}, json=body)
            assert response.status_code == 400, response.text
            assert f"nested more than {MAX_DEPTH} levels" in response.text
        within = await client.post(path, headers=auth(token), json={**chat("hi"), "metadata": nested(MAX_DEPTH - 1)})
        assert within.status_code == 200, within.text
    assert harness.provider.calls == 1  # only the request within the limit reached the provider
    key = await harness.ledger.get_key(key_id)
    assert key is not None and key.reserved == 0
    assert key.spent == int(within.headers["x-compose-key-budget-used"])


async def test_intent_routes_refuse_deep_json_before_reading_its_numbers(harness: Harness) -> None:
    token, key_id = await harness.create_key(1_000_000)
    headers = {**auth(token), "x-chain-id": "43113", "content-type": "application/json"}
    async with harness.client() as client:
        for path in ("/api/payments/prepare", "/api/payments/settle", "/api/payments/abort",
                     "/api/payments/meter/model"):
            response = await client.post(path, headers=headers, content=deep_text(300))
            assert response.status_code == 400, (path, response.text)
            assert response.json()["code"] == "invalid_json"
    assert await harness.ledger.totals(key_id) == (0, 0)


def test_json_nested_100_000_deep_does_not_kill_the_serving_process(tmp_path: Path) -> None:
    """Before: the intent routes parsed with the standard library's recursive parser, and the serving process
    runs with py_ecc's recursion limit of 100,000, so this body overflowed the C stack: a segfault."""
    with gateway_process(tmp_path) as base:
        created = httpx.post(f"{base}/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": 1_000_000, "expiresAt": 4_000_000_000_000, "chainId": 43113})
        token = created.json()["token"]
        headers = {**auth(token), "x-chain-id": "43113", "content-type": "application/json"}
        for path in ("/api/payments/meter/model", "/api/payments/prepare", "/v1/chat/completions"):
            response = httpx.post(f"{base}{path}", headers=headers, content=deep_text(100_000), timeout=30)
            assert response.status_code == 400, (path, response.text)
        assert httpx.get(f"{base}/health").status_code == 200


def test_the_serving_process_runs_at_the_default_recursion_limit(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_DB", str(tmp_path / "gateway.sqlite3"))
    monkeypatch.setenv("GATEWAY_DEMO", "1")
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)  # what importing eth_account leaves (py_ecc)
    try:
        app = server.create_app()
        assert sys.getrecursionlimit() == server.RECURSION_LIMIT
        stop = app.on_shutdown
        assert stop is not None

        async def shutdown() -> None:
            await stop()

        asyncio.run(shutdown())
    finally:
        sys.setrecursionlimit(before)


def multipart(parts: list[bytes], boundary: bytes = b"B", *, closed: bool = True) -> tuple[bytes, dict[str, str]]:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + boundary + b"--\r\n" if closed else b""
    return body, {"content-type": f"multipart/form-data; boundary={boundary.decode()}"}


MODEL_PART = b'Content-Disposition: form-data; name="model"\r\n\r\nwhisper-1'


def file_part(data: bytes, name: bytes = b"file", filename: bytes = b"a.wav") -> bytes:
    return (b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename + b'"\r\n'
            b"Content-Type: audio/wav\r\n\r\n" + data)


# a `fmt ` chunk that claims 60 bytes: the standard library's wave raises RuntimeError on it
BROKEN_WAV = (b"RIFF\xc4\x0f\0\0WAVEfmt <\0\0\0" + b"\x01\0\x01\0@\x1f\0\0@\x1f\0\0\x01\0\x08\0" + b" ata\xa0\x0f\0\0"
              + b"\x80" * 4000)


@pytest.mark.parametrize(("name", "content"), [
    ("non-UTF-8 part name", multipart([MODEL_PART, file_part(wav(1), name=b"\xff")])),
    ("boundary over 256 bytes", multipart([MODEL_PART, file_part(wav(1))], boundary=b"x" * 300)),
    ("no closing boundary", multipart([MODEL_PART, file_part(wav(2)[:200])], closed=False)),
])
async def test_malformed_uploads_are_400s_that_charge_nothing(harness: Harness, name: str,
                                                              content: tuple[bytes, dict[str, str]]) -> None:
    token, key_id = await harness.create_key(10**9)
    body, headers = content
    async with harness.client() as client:
        response = await client.post("/v1/audio/transcriptions", headers={**auth(token), **headers}, content=body)
    assert response.status_code == 400, (name, response.text)
    assert "malformed multipart/form-data body" in response.json()["error"]["message"]
    assert await harness.ledger.totals(key_id) == (0, 0) and harness.provider.calls == 0


@pytest.mark.parametrize("size", [0, 0xFFFFFFFF])
def test_a_wav_that_states_no_size_lasts_what_it_holds(size: int) -> None:
    piped = bytearray(wav(2))  # as ffmpeg or sox write to a pipe: no data size, or the largest one
    piped[40:44] = size.to_bytes(4, "little")
    seconds = wav_seconds(bytes(piped))
    assert seconds is not None and 2 <= seconds < 2.01  # the header's bytes at most on top


async def test_a_filename_that_is_not_utf8_is_only_a_name(harness: Harness) -> None:
    token, _ = await harness.create_key(10**9)
    body, headers = multipart([MODEL_PART, file_part(wav(1), filename=b"\xff.wav")])
    async with harness.client() as client:
        response = await client.post("/v1/audio/transcriptions", headers={**auth(token), **headers}, content=body)
    assert response.status_code == 200, response.text


async def test_transcription_fields_and_headers_that_used_to_be_500s(harness: Harness) -> None:
    token, key_id = await harness.create_key(10**9)
    audio = base64.b64encode(wav(2)).decode()
    async with harness.client() as client:
        for response_format in ([], {}, 7):
            refused = await client.post("/v1/audio/transcriptions", headers=auth(token), json={
                "model": "whisper-1", "file": audio, "response_format": response_format})
            assert refused.status_code == 400 and "response_format" in refused.text
        harness.gw.max_audio_seconds = 1
        too_long = await client.post("/v1/audio/transcriptions", headers=auth(token), json={
            "model": "whisper-1", "file": base64.b64encode(wav(2)).decode()})
        assert too_long.status_code == 400 and "lasts 2 s by its header" in too_long.text
        assert "transcribes at most 1 s" in too_long.text
        assert await harness.ledger.totals(key_id) == (0, 0) and harness.provider.calls == 0
        harness.gw.max_audio_seconds = 3600
        broken = await client.post("/v1/audio/transcriptions", headers=auth(token), json={
            "model": "whisper-1", "file": base64.b64encode(BROKEN_WAV).decode()})
        # an unreadable header is held for the longest audio and sent on; here the provider refuses it: no charge
        assert broken.status_code == 400 and broken.json()["error"]["code"] == "upstream_error", broken.text
    assert await harness.ledger.totals(key_id) == (0, 0) and harness.provider.calls == 1


@given(st.binary(min_size=44, max_size=44), st.integers(0, 43))
@settings(max_examples=300, deadline=None)
def test_reading_a_wav_header_never_raises(noise: bytes, cut: int) -> None:
    header = bytearray(wav(0.01))
    mutated = bytes(header[:cut]) + noise[cut:] + bytes(header[44:])
    seconds = wav_seconds(mutated)
    assert seconds is None or seconds >= 0


async def test_token_id_inputs_are_embedded_by_the_demo_provider(harness: Harness) -> None:
    token, _ = await harness.create_key(10**9)
    async with harness.client() as client:
        response = await client.post("/v1/embeddings", headers=auth(token),
                                     json={"model": "text-embedding-3-small", "input": [1, 2, 3]})
    assert response.status_code == 200, response.text
    assert response.json()["usage"]["prompt_tokens"] == 3 and len(response.json()["data"]) == 1


async def test_prepare_numbers_and_idempotency_keys_in_either_place(harness: Harness) -> None:
    token, key_id = await harness.create_key(10**9)
    headers = {**auth(token), "x-chain-id": "43113"}
    prepare = {"service": "s", "action": "a", "resource": "r", "method": "POST", "maxAmountWei": "10"}
    huge_meter = {"subject": "s", "lineItems": [{"key": "k", "unit": "usd_per_token", "quantity": "1e18",
                                                 "unitPriceUsd": "1e18"}]}
    async with harness.client() as client:
        big = await client.post("/api/payments/prepare", headers=headers,
                                json={**prepare, "idempotencyKey": "v1", "x": 10**23})
        assert big.status_code == 400 and "does not fit 64 bits" in big.json()["error"], big.text
        overflow = await client.post("/api/payments/prepare", headers=headers,
                                     json={**{k: v for k, v in prepare.items() if k != "maxAmountWei"},
                                           "meter": huge_meter})
        assert overflow.status_code == 400 and "more than any budget" in overflow.json()["error"], overflow.text
        first = await client.post("/api/payments/prepare", headers={**headers, "x-idempotency-key": "abc"},
                                  json=prepare)
        again = await client.post("/api/payments/prepare", headers=headers, json={**prepare, "idempotencyKey": "abc"})
        assert (first.status_code, again.status_code) == (200, 200), again.text
        assert again.json()["paymentIntentId"] == first.json()["paymentIntentId"]
        assert again.headers["x-idempotent-replay"] == "true"
    assert await harness.ledger.totals(key_id) == (10, 0)


def test_a_stalled_or_trickling_body_is_a_408_that_closes_the_connection(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    harness = build(tmp_path)
    monkeypatch.setattr(http, "BODY_IDLE_SECONDS", 0.3)
    monkeypatch.setattr(http, "BODY_TOTAL_SECONDS", 0.5)
    head = b"POST /api/payments/meter/model HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with serve(harness.app) as base:
        host, port = base.removeprefix("http://").split(":")
        for trickle, why in ((False, b"nothing arrived for 0.3 s"), (True, b"took more than 0.5 s")):
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                sock.sendall(head + b"Content-Length: 100\r\n\r\n{")
                started = time.monotonic()
                if trickle:  # a byte now and then: each within the idle limit, the whole past the total one
                    for _ in range(3):
                        time.sleep(0.2)
                        sock.sendall(b" ")
                reply = b""
                while chunk := sock.recv(4096):  # to the end: the server closes the connection after a 408
                    reply += chunk
            assert reply.startswith(b"HTTP/1.1 408"), reply
            assert why in reply and b"connection: close" in reply.lower()
            assert time.monotonic() - started < 3
    harness.close()


async def test_json_only_routes_take_a_small_body(harness: Harness) -> None:
    padding = b'{"modelId": "gpt-4.1", "modality": "text", "pad": "' + b"x" * http.SMALL_BODY + b'"}'
    async with harness.client() as client:
        for path, headers in (("/api/payments/meter/model", {}), ("/api/keys", KEY_HEADERS)):
            response = await client.post(path, content=padding, headers={**headers,
                                                                         "content-type": "application/json"})
            assert response.status_code == 413, response.text
            assert response.headers["connection"] == "close"
