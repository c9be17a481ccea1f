"""HttpFacilitator over a tiny ASGI app and over MockTransport; LocalFacilitator in-process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest

from gateway_min.payment.x402.facilitator import EmbeddedFacilitator
from gateway_min.payment.x402.facilitator.client import Facilitator, HttpFacilitator, LocalFacilitator
from gateway_min.payment.x402.protocol.errors import FacilitatorError, FacilitatorUnavailable
from gateway_min.payment.x402.protocol.models import SettleResponse, VerifyResponse
from tests.gateway.payment.x402.wallets import (
    FUJI,
    FUNDS,
    PAY_TO,
    PAYER,
    PRICE,
    at_amount,
    exact_requirements,
    facilitator,
    signed,
)
from tests.gateway.payment.x402.wallets import upto_requirements as build_upto

BASE = "http://facilitator.test/api/x402/facilitator"
Scope = dict[str, Any]


def asgi_app(f: EmbeddedFacilitator, status: int = 200) -> Callable[..., Awaitable[None]]:
    """The embedded facilitator on the routes the lead mounts; `status` lets a test answer 400 with a valid body."""

    async def app(scope: Scope, receive: Callable[[], Awaitable[dict[str, Any]]], send: Callable[..., Awaitable[None]]) -> None:
        assert scope["type"] == "http"
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        route = scope["path"].rsplit("/", 1)[-1]
        if route == "supported":
            result, code = f.supported(), 200
        elif route in ("verify", "settle"):
            result = getattr(f, route)(orjson.loads(raw))
            ok = result.get("isValid", result.get("success"))
            code = 200 if ok else status
        else:
            result, code = {"error": "not found"}, 404
        await send({"type": "http.response.start", "status": code, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": orjson.dumps(result)})

    return app


def over_asgi(f: EmbeddedFacilitator, status: int = 200) -> tuple[HttpFacilitator, httpx.AsyncClient]:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi_app(f, status)))
    return HttpFacilitator(BASE + "/", client, timeout=5), client


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [200, 400])
def test_http_facilitator_against_the_embedded_one(status):
    f = facilitator()
    http, client = over_asgi(f, status)
    req = exact_requirements()
    payload = signed(req)

    async def scenario() -> None:
        supported = await http.supported()
        assert {(k.scheme, k.network) for k in supported.kinds} >= {("exact", FUJI.id), ("upto", FUJI.id)}
        assert await http.verify(payload, req) == VerifyResponse(is_valid=True, payer=PAYER.address)
        settled = await http.settle(payload, req)
        assert (settled.success, settled.amount) == (True, str(PRICE))
        # Refusals come back as models whatever the status code (400 here when status=400).
        again = await http.settle(payload, req)  # identical: the first outcome (nothing moves twice)
        assert (again.success, again.transaction) == (True, settled.transaction)
        other = await http.settle(payload, at_amount(req, PRICE - 1))
        assert (other.success, other.error_reason) == (False, "invalid_exact_evm_payload_authorization_value_mismatch")
        bad = await http.verify(payload, at_amount(req, PRICE + 1))
        assert bad.invalid_reason == "invalid_exact_evm_payload_authorization_value_mismatch"
        await client.aclose()

    run(scenario())
    assert (f.balance(PAYER.address), f.balance(PAY_TO)) == (FUNDS - PRICE, PRICE)


def test_http_facilitator_settles_upto_with_the_final_amount():
    f = facilitator()
    http, client = over_asgi(f)
    req = build_upto()
    payload = signed(req)

    async def scenario() -> SettleResponse:
        assert (await http.verify(payload, req)).is_valid
        result = await http.settle(payload, at_amount(req, 777))
        await client.aclose()
        return result

    assert run(scenario()).amount == "777"
    assert f.balance(PAY_TO) == 777


class Recorder:
    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def facilitator(self) -> HttpFacilitator:
        return HttpFacilitator(BASE, httpx.AsyncClient(transport=httpx.MockTransport(self)), timeout=1)


PENDING = {"success": False, "errorReason": "settlement_pending", "transaction": "0x" + "11" * 32, "network": FUJI.id}
DONE = {"success": True, "transaction": "0x" + "11" * 32, "network": FUJI.id, "payer": PAYER.address, "amount": "10000"}


def test_settlement_pending_is_retried_once_with_the_identical_body():
    recorder = Recorder(httpx.Response(200, json=PENDING), httpx.Response(200, json=DONE))
    req = exact_requirements()
    result = run(recorder.facilitator().settle(signed(req), req))
    assert result.success is True
    assert [r.url.path for r in recorder.requests] == ["/api/x402/facilitator/settle"] * 2
    first, second = (r.content for r in recorder.requests)
    assert first == second
    sent = orjson.loads(first)
    assert set(sent) == {"x402Version", "paymentPayload", "paymentRequirements"} and sent["x402Version"] == 2
    assert recorder.requests[0].headers["content-type"] == "application/json"


def test_settlement_pending_twice_returns_the_pending_answer():
    recorder = Recorder(httpx.Response(200, json=PENDING), httpx.Response(200, json=PENDING))
    req = exact_requirements()
    result = run(recorder.facilitator().settle(signed(req), req))
    assert (result.success, result.error_reason, len(recorder.requests)) == (False, "settlement_pending", 2)


def test_other_settle_failures_are_not_retried():
    failure = {**PENDING, "errorReason": "insufficient_funds", "transaction": ""}
    recorder = Recorder(httpx.Response(402, json=failure))
    req = exact_requirements()
    assert run(recorder.facilitator().settle(signed(req), req)).error_reason == "insufficient_funds"
    assert len(recorder.requests) == 1


def test_a_non_200_json_body_is_parsed():
    recorder = Recorder(httpx.Response(400, json={"isValid": False, "invalidReason": "invalid_payload"}))
    req = exact_requirements()
    assert run(recorder.facilitator().verify(signed(req), req)).invalid_reason == "invalid_payload"


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(502, text="<html>Bad Gateway</html>"),
        httpx.Response(503, json={"error": "overloaded"}),
    ],
)
def test_unreachable_facilitator_raises_unavailable(failure):
    req = exact_requirements()
    with pytest.raises(FacilitatorUnavailable):
        run(Recorder(failure).facilitator().verify(signed(req), req))
    with pytest.raises(FacilitatorUnavailable):
        run(Recorder(failure).facilitator().settle(signed(req), req))


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, text="not found"),
        httpx.Response(200, json={"ok": True}),
        httpx.Response(200, json=[1]),
        httpx.Response(200, json={"isValid": "perhaps"}),
    ],
)
def test_a_useless_answer_is_a_facilitator_error_but_not_unavailable(response):
    req = exact_requirements()
    with pytest.raises(FacilitatorError) as caught:
        run(Recorder(response).facilitator().verify(signed(req), req))
    assert not isinstance(caught.value, FacilitatorUnavailable)


def test_supported_failure_modes():
    with pytest.raises(FacilitatorUnavailable):
        run(Recorder(httpx.ConnectError("down")).facilitator().supported())
    with pytest.raises(FacilitatorError):
        run(Recorder(httpx.Response(308, headers={"location": "/elsewhere"}), httpx.Response(404)).facilitator().supported())


def test_local_facilitator_is_a_facilitator_and_runs_off_the_loop():
    f = facilitator()
    local: Facilitator = LocalFacilitator(f)
    req = build_upto()
    payload = signed(req)

    async def scenario() -> None:
        assert len((await local.supported()).kinds) == 4
        verdicts = await asyncio.gather(*(local.verify(payload, req) for _ in range(5)))
        assert all(v.is_valid for v in verdicts)
        results = await asyncio.gather(*(local.settle(payload, at_amount(req, 10)) for _ in range(5)))
        assert all(r.success for r in results) and len({r.transaction for r in results}) == 1  # moved once

    run(scenario())
    assert f.balance(PAY_TO) == 10
