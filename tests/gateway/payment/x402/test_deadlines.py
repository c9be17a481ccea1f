"""A raw-x402 request is always still settleable when its work ends: an authorization that leaves too little
validity is refused before any work, and work that runs too long is cut SETTLE_RESERVE_SECONDS before the
authorization's validBefore / deadline (non-stream: 504, nothing charged; stream: cut, an estimate settled)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from gateway_min.payment.x402 import admit as x402_payment
from gateway_min.upstream import UpstreamReply, UpstreamRequest
from tests.gateway.payment.x402.support import FUNDS, PAYER, X402Harness, build_x402, chat
from tests.gateway.support import FaultyProvider, serve

pytestmark = pytest.mark.anyio
AGENT = "0x" + "ab" * 20


class SlowProvider(FaultyProvider):
    """Answers non-stream calls after `delay` seconds."""

    async def send(self, request: UpstreamRequest) -> UpstreamReply:
        if not request.stream:
            await asyncio.sleep(self.delay)
        return await super().send(request)


class SlowRuntime:
    """Non-stream: no answer in time. Stream: one delta, then silence."""

    async def send(self, path: str, body: dict[str, Any], headers: Any, stream: bool) -> UpstreamReply:
        if not stream:
            await asyncio.sleep(5)
            raise AssertionError("cut before this")  # pragma: no cover

        async def chunks() -> AsyncIterator[bytes]:
            yield b'data: {"type": "text-delta", "delta": "half"}\n\n'
            await asyncio.sleep(5)

        return UpstreamReply(200, "text/event-stream", chunks=chunks())


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[X402Harness]:
    built = build_x402(tmp_path, SlowProvider(delay=5.0, chunks=3))
    yield built
    built.h.ledger.close()
    built.embedded.close()


@pytest.fixture
def short_reserve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work may run until 0.3 s before an authorization signed for 7 s (the facilitator wants 6 s left at settle)."""
    monkeypatch.setattr(x402_payment, "SETTLE_RESERVE_SECONDS", 6.7)
    monkeypatch.setattr(x402_payment, "MIN_WORK_SECONDS", 0)


async def signed_for(x402: X402Harness, client: httpx.AsyncClient, path: str, body: dict[str, Any],
                     seconds: int) -> str:
    required = await x402.challenge(client, path, body)
    return x402.sign(required.accepts[0], valid_before=x402.now() + seconds)


@pytest.mark.parametrize("path", ["/v1/chat/completions", f"/agent/{AGENT}/chat"])
async def test_an_authorization_that_leaves_too_little_time_is_refused_before_any_work(
        x402: X402Harness, path: str) -> None:
    await x402.fund(PAYER)
    body = chat() if path.startswith("/v1") else {"message": "hi"}
    least = x402_payment.MIN_WORK_SECONDS + x402_payment.SETTLE_RESERVE_SECONDS
    async with x402.client() as client:
        short = await signed_for(x402, client, path, body, least - 1)
        refused = await client.post(path, json=body, headers={"payment-signature": short})
        enough = await signed_for(x402, client, path, body, least)
        served = await client.post(path, json=body, headers={"payment-signature": enough})
    assert refused.status_code == 402
    assert refused.json()["error"].startswith("payment_expires_too_soon: the authorization is valid until")
    assert served.status_code == 200, served.text
    assert [state for state, *_ in await x402.claims()] == ["settled"]


async def test_a_call_that_outlives_its_authorization_is_a_504_and_charges_nothing(
        slow: X402Harness, short_reserve: None) -> None:
    await slow.fund(PAYER)
    async with slow.client() as client:
        signature = await signed_for(slow, client, "/v1/chat/completions", chat(), 7)
        response = await client.post("/v1/chat/completions", json=chat(), headers={"payment-signature": signature})
    assert response.status_code == 504, response.text
    error = response.json()["error"]
    assert error["code"] == "payment_deadline" and "nothing was charged" in error["message"]
    assert "payment-response" not in response.headers
    assert slow.settlements() == [] and slow.balance(PAYER) == FUNDS
    assert [state for state, *_ in await slow.claims()] == ["released"]


async def test_a_stream_is_cut_before_its_authorization_expires_and_settles_an_estimate(
        slow: X402Harness, short_reserve: None) -> None:
    slow.h.provider.delay = 1.0
    await slow.fund(PAYER)
    body = chat(stream=True)
    with serve(slow.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            signature = await signed_for(slow, client, "/v1/chat/completions", body, 7)
            response = await client.post("/v1/chat/completions", json=body, headers={"payment-signature": signature})
    events = [block for block in response.text.split("\n\n") if block.strip()]
    assert events[-1] == "data: [DONE]"
    assert events[-3].startswith("event: compose.error\n")
    assert orjson.loads(events[-3].split("data: ", 1)[1])["error"]["code"] == "payment_deadline"
    receipt = orjson.loads(events[-2].split("data: ", 1)[1])
    assert receipt["estimated"] is True and receipt["reason"].startswith("stream cut at the payment deadline")
    assert receipt["paymentResponse"]["success"] is True
    assert slow.balance(PAYER) == FUNDS - int(receipt["finalAmountWei"]) < FUNDS
    assert slow.h.provider.closed.is_set()


async def test_a_runtime_that_outlives_the_authorization_is_a_504(x402: X402Harness, short_reserve: None) -> None:
    x402.h.gw.runtime = SlowRuntime()
    await x402.fund(PAYER)
    async with x402.client() as client:
        signature = await signed_for(x402, client, f"/agent/{AGENT}/chat", {"message": "x"}, 7)
        response = await client.post(f"/agent/{AGENT}/chat", json={"message": "x"},
                                     headers={"payment-signature": signature})
    assert response.status_code == 504 and response.json()["error"]["code"] == "payment_deadline"
    assert x402.settlements() == [] and [state for state, *_ in await x402.claims()] == ["released"]


async def test_the_advertised_validity_covers_the_ttl_of_the_work(x402: X402Harness) -> None:
    async with x402.client() as client:
        plain = await x402.challenge(client, "/v1/chat/completions", chat())
        stream = await x402.challenge(client, "/v1/chat/completions", chat(stream=True))
    assert plain.accepts[0].max_timeout_seconds == x402.h.gw.intent_ttl_ms // 1000 == 900
    assert stream.accepts[0].max_timeout_seconds == x402.h.gw.stream_ttl_ms // 1000 == 3600


async def test_work_is_also_bounded_by_the_advertised_max_timeout(slow: X402Harness) -> None:
    """An authorization valid for longer does not let work run past maxTimeoutSeconds (the claim's live window)."""
    slow.h.gw.intent_ttl_ms = 1_000
    await slow.fund(PAYER)
    async with slow.client() as client:
        signature = await signed_for(slow, client, "/v1/chat/completions", chat(), 3_600)
        started = asyncio.get_running_loop().time()
        response = await client.post("/v1/chat/completions", json=chat(), headers={"payment-signature": signature})
    assert response.status_code == 504 and response.json()["error"]["code"] == "payment_deadline"
    assert 0.9 < asyncio.get_running_loop().time() - started < 4


async def test_a_runtime_stream_cut_at_the_deadline_says_so_and_settles_the_cap(
        x402: X402Harness, short_reserve: None) -> None:
    x402.h.gw.runtime = SlowRuntime()
    await x402.fund(PAYER)
    path, cap = f"/agent/{AGENT}/stream", {"x-x402-max-amount-wei": "50000"}
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            required = await x402.challenge(client, path, {"message": "go"}, cap)
            signature = x402.sign(required.accepts[0], valid_before=x402.now() + 7)
            response = await client.post(path, json={"message": "go"}, headers={**cap, "payment-signature": signature})
    events = [block for block in response.text.split("\n\n") if block.strip()]
    assert orjson.loads(events[-2].split("data: ", 1)[1])["error"]["code"] == "payment_deadline"
    receipt = orjson.loads(events[-1].split("data: ", 1)[1])
    assert (receipt["finalAmountWei"], receipt["estimated"]) == ("50000", True)
    assert receipt["reason"] == "stream cut at the payment deadline: settled the cap"
