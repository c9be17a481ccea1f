"""What is settled and when: upto capped at the max, 0 allowed; failures before settle charge nothing; a failed
settle withholds the content; the cap header; the challenge; routing between Compose Key, raw x402 and external."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

import pricing
from gateway_min.payment import receipts
from gateway_min.payment.x402 import (
    FacilitatorError,
    FacilitatorUnavailable,
    HttpFacilitator,
    LocalFacilitator,
    PaymentPayload,
    PaymentRequired,
    PaymentRequirements,
    SettleResponse,
    VerifyResponse,
    decode_header,
)
from generated.catalog import NETWORKS
from tests.gateway.ledger import backends
from tests.gateway.payment.x402.support import FUNDS, PAYER, X402Harness, build_x402, chat, payment_response
from tests.gateway.support import FaultyProvider, serve

pytestmark = pytest.mark.anyio
IMAGE = {"model": "dall-e-3", "prompt": "a red kite", "n": 1, "size": "1024x1024"}


@dataclass
class Rigged:
    """The real facilitator, with verify or settle replaced by a fault."""

    inner: LocalFacilitator
    verify_fault: Exception | None = None
    settle_fault: Exception | None = None
    settle_reply: SettleResponse | None = None
    settled: list[PaymentRequirements] = field(default_factory=list)

    async def supported(self) -> Any:
        return await self.inner.supported()

    async def verify(self, payload: PaymentPayload, requirements: PaymentRequirements) -> VerifyResponse:
        if self.verify_fault:
            raise self.verify_fault
        return await self.inner.verify(payload, requirements)

    async def settle(self, payload: PaymentPayload, requirements: PaymentRequirements) -> SettleResponse:
        self.settled.append(requirements)
        if self.settle_fault:
            raise self.settle_fault
        if self.settle_reply:
            return self.settle_reply
        return await self.inner.settle(payload, requirements)


def rig(x402: X402Harness, **faults: Any) -> Rigged:
    assert isinstance(x402.h.gw.facilitator, LocalFacilitator)
    rigged = Rigged(x402.h.gw.facilitator, **faults)
    x402.h.gw.facilitator = rigged
    return rigged


@pytest.fixture
def faulty(tmp_path: Path) -> Any:
    built = build_x402(tmp_path, FaultyProvider())
    yield built
    built.h.ledger.close()
    built.embedded.close()


async def paid_call(x402: X402Harness, path: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                    *, fund: bool = True) -> tuple[httpx.Response, PaymentRequirements]:
    if fund:
        await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, path, body, headers)
        response = await client.post(path, json=body, headers={**(headers or {}),
                                                                "payment-signature": x402.sign(required.accepts[0])})
    return response, required.accepts[0]


async def test_usage_priced_above_the_max_settles_exactly_the_max(faulty: X402Harness) -> None:
    faulty.h.provider.usage = {"prompt_tokens": 200_000, "completion_tokens": 20_000, "total_tokens": 220_000}
    response, advertised = await paid_call(faulty, "/v1/chat/completions", chat(max_tokens=16))
    maximum = int(advertised.amount)
    measured = pricing.price("gpt-4.1", {"input_tokens": 200_000, "output_tokens": 20_000}).final_amount
    assert measured > maximum
    assert response.status_code == 200, response.text
    assert payment_response(response).amount == str(maximum)
    receipt = response.json()["compose_receipt"]
    assert (receipt["final_amount_wei"], receipt["uncollected_wei"]) == (str(maximum), str(measured - maximum))
    assert faulty.balance(PAYER) == FUNDS - maximum
    assert faulty.settlements()[0][2] == maximum


async def test_zero_usage_settles_zero_with_no_transaction(faulty: X402Harness) -> None:
    faulty.h.provider.usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    response, _ = await paid_call(faulty, "/v1/chat/completions", chat())
    assert response.status_code == 200, response.text
    settled = payment_response(response)
    assert (settled.success, settled.amount, settled.transaction) == (True, "0", "")
    assert "x-transaction-hash" not in response.headers and "tx_hash" not in response.json()["compose_receipt"]
    assert faulty.balance(PAYER) == FUNDS and faulty.settlements() == []
    assert await faulty.claims() == [("settled", "upto", 0, None)]


async def test_usage_missing_settles_an_upper_estimate_marked_estimated(faulty: X402Harness) -> None:
    faulty.h.provider.mode = "no_usage"
    response, advertised = await paid_call(faulty, "/v1/chat/completions", chat())
    receipt = response.json()["compose_receipt"]
    assert 0 < int(receipt["final_amount_wei"]) <= int(advertised.amount) and receipt["estimated"] is True
    assert receipt["reason"].startswith("usage unreadable")
    assert payment_response(response).amount == receipt["final_amount_wei"]


@pytest.mark.parametrize(("mode", "status"), [("error_before", 502), ("unreachable", 502)])
async def test_an_upstream_failure_settles_nothing(faulty: X402Harness, mode: str, status: int) -> None:
    faulty.h.provider.mode = mode
    rigged = rig(faulty)
    response, _ = await paid_call(faulty, "/v1/chat/completions", chat())
    assert response.status_code == status, response.text
    assert "payment-response" not in response.headers
    assert rigged.settled == [] and faulty.settlements() == [] and faulty.balance(PAYER) == FUNDS
    assert [state for state, *_ in await faulty.claims()] == ["released"]


async def test_a_failed_settle_is_a_402_with_payment_response_and_no_content(x402: X402Harness) -> None:
    rig(x402, settle_reply=SettleResponse(success=False, error_reason="insufficient_funds", network="eip155:43113"))
    response, _ = await paid_call(x402, "/v1/images/generations", IMAGE)
    assert response.status_code == 402
    settled = payment_response(response)
    assert (settled.success, settled.error_reason) == (False, "insufficient_funds")
    body = response.json()
    assert body["error"]["code"] == "settlement_failed" and "data" not in body and "compose_receipt" not in body
    assert "x-compose-receipt" not in response.headers and "x-transaction-hash" not in response.headers
    assert x402.balance(PAYER) == FUNDS
    assert [state for state, *_ in await x402.claims()] == ["failed"]


async def test_a_facilitator_unreachable_at_verify_charges_nothing_and_the_payment_stays_usable(
        x402: X402Harness) -> None:
    rigged = rig(x402, verify_fault=FacilitatorUnavailable("POST /verify: ConnectError"))
    await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/images/generations", IMAGE)
        header = x402.sign(required.accepts[0])
        down = await client.post("/v1/images/generations", json=IMAGE, headers={"payment-signature": header})
        assert down.status_code == 503
        assert down.json()["error"]["code"] == "facilitator_unavailable"
        assert x402.h.provider.calls == 0 and x402.balance(PAYER) == FUNDS
        rigged.verify_fault = None  # back up: the released claim may be presented again
        up = await client.post("/v1/images/generations", json=IMAGE, headers={"payment-signature": header})
    assert up.status_code == 200, up.text
    assert len(x402.settlements()) == 1


@pytest.mark.parametrize(("fault", "status"), [(FacilitatorUnavailable("POST /settle: ReadTimeout"), 503),
                                               (FacilitatorError("settle: HTTP 500 without a SettleResponse"), 502)])
async def test_no_usable_settle_answer_withholds_the_content_and_says_the_outcome_is_unknown(
        x402: X402Harness, fault: Exception, status: int) -> None:
    rig(x402, settle_fault=fault)
    response, _ = await paid_call(x402, "/v1/chat/completions", chat())
    assert response.status_code == status and "choices" not in response.json()
    assert "the settlement outcome is unknown" in response.json()["error"]["message"]
    assert "nothing was charged" not in response.json()["error"]["message"]
    assert x402.balance(PAYER) == FUNDS
    assert [state for state, *_ in await x402.claims()] == ["failed"]


async def test_a_settlement_still_pending_is_an_unknown_outcome_not_a_refusal(x402: X402Harness) -> None:
    """A 402 "nothing was charged" would have the client sign again, and pay twice for one response."""
    rig(x402, settle_reply=SettleResponse(success=False, error_reason="settlement_pending", network="eip155:43113",
                                          transaction="0x" + "cd" * 32, payer=PAYER.address))
    response, _ = await paid_call(x402, "/v1/chat/completions", chat())
    assert (response.status_code, response.json()["error"]["code"]) == (503, "settlement_pending"), response.text
    message = response.json()["error"]["message"]
    assert "outcome is unknown" in message and "0x" + "cd" * 32 in message and "nothing was charged" not in message
    assert "payment-required" not in response.headers and "choices" not in response.json()
    assert [state for state, *_ in await x402.claims()] == ["failed"]  # never presented again


@pytest.mark.parametrize("reported", ["7", "91000000000"])
async def test_the_amount_the_facilitator_reports_is_recorded_up_to_the_authorization(
        x402: X402Harness, caplog: pytest.LogCaptureFixture, reported: str) -> None:
    rig(x402, settle_reply=SettleResponse(success=True, transaction="0x" + "ab" * 32, network="eip155:43113",
                                          amount=reported, payer=PAYER.address))
    response, required = await paid_call(x402, "/v1/chat/completions", chat())
    assert response.status_code == 200, response.text
    recorded = int(response.json()["compose_receipt"]["final_amount_wei"])
    assert await x402.claims() == [("settled", "upto", recorded, "0x" + "ab" * 32)]
    if int(reported) <= int(required.amount):
        assert recorded == int(reported)  # it moved the money: its word is recorded
    else:  # no honest transfer exceeds what the payer signed: the amount asked is recorded
        assert recorded <= int(required.amount)
    assert f"the facilitator reports {reported} on eip155:43113" in caplog.text


async def test_an_http_facilitator_that_is_down(x402: X402Harness) -> None:
    async with httpx.AsyncClient() as http:
        x402.h.gw.facilitator = HttpFacilitator("http://127.0.0.1:9/facilitator", http, timeout=2)
        x402.h.gw.x402_kinds = None  # not learned yet: the first paid request asks /supported
        async with x402.client() as client:
            response = await client.post("/v1/chat/completions", json=chat())
    assert response.status_code == 503
    assert "/supported could not be read" in response.json()["error"]["message"]


async def test_the_cap_header_lowers_the_max_and_the_output_limit(faulty: X402Harness) -> None:
    body = chat(max_tokens=None)
    full = pricing.quote_max("gpt-4.1", body, "chat").amount
    cap = full // 10
    response, advertised = await paid_call(faulty, "/v1/chat/completions", body, {"x-x402-max-amount-wei": str(cap)})
    assert response.status_code == 200, response.text
    assert advertised.amount == str(cap)
    limit = faulty.h.provider.seen[0]["max_completion_tokens"]
    assert limit < 32_768 and pricing.quote_max("gpt-4.1", chat(max_tokens=limit), "chat").amount <= cap
    async with faulty.client() as client:  # a cap above the computed max changes nothing
        loose = await faulty.challenge(client, "/v1/chat/completions", body, {"x-x402-max-amount-wei": str(full * 2)})
        body_cap = await faulty.challenge(client, "/v1/chat/completions", {**body, "max_payment_amount_wei": cap})
    assert loose.accepts[0].amount == str(full) and body_cap.accepts[0].amount == str(cap)


@pytest.mark.parametrize(("path", "body", "cap", "message"), [
    ("/v1/chat/completions", chat(), "1", "x-x402-max-amount-wei 1 is below the least this request can cost"),
    ("/v1/images/generations", IMAGE, "10", "x-x402-max-amount-wei 10 is below the least this request can cost"),
    ("/v1/chat/completions", chat(), "0", "x-x402-max-amount-wei must be a positive integer"),
    ("/v1/chat/completions", chat(), "12.5", "x-x402-max-amount-wei must be a positive integer"),
    ("/v1/chat/completions", chat(), "-3", "x-x402-max-amount-wei must be a positive integer"),
])
async def test_a_cap_that_cannot_work_is_a_400(x402: X402Harness, path: str, body: dict[str, Any], cap: str,
                                              message: str) -> None:
    async with x402.client() as client:
        response = await client.post(path, json=body, headers={"x-x402-max-amount-wei": cap})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


async def test_the_challenge(x402: X402Harness) -> None:
    async with x402.client("https://api.example.test") as client:
        chat_402 = await client.post("/v1/chat/completions?trace=1", json=chat())
        stream_402 = await client.post("/v1/chat/completions", json=chat(stream=True))
        image_402 = await client.post("/v1/images/generations", json=IMAGE, headers={"x-chain-id": "43114"})
        unknown_chain = await client.post("/v1/images/generations", json=IMAGE, headers={"x-chain-id": "1"})
    required = decode_header(chat_402.headers["payment-required"], PaymentRequired)
    assert chat_402.json() == required.wire() and chat_402.headers["cache-control"] == "no-store"
    assert required.resource.url == "https://api.example.test/v1/chat/completions?trace=1"
    (upto,) = required.accepts
    fuji = NETWORKS["eip155:43113"]
    assert (upto.scheme, upto.network, upto.asset, upto.pay_to, upto.max_timeout_seconds) == (
        "upto", fuji.id, fuji.asset, fuji.pay_to, 900)
    assert upto.amount == str(pricing.quote_max("gpt-4.1", chat(), "chat").amount)
    assert upto.extra == {"name": "USD Coin", "version": "2", "assetTransferMethod": "permit2",
                          "facilitatorAddress": x402.embedded.address,
                          "compose": {"metering": "authoritative_usage", "intents": "supported"}}
    assert set(required.extensions or {}) == {"compose-metering-v1", "compose-payment-intent-v1"}
    streamed = decode_header(stream_402.headers["payment-required"], PaymentRequired)
    assert streamed.accepts[0].max_timeout_seconds == 3600 and streamed.resource.mime_type == "text/event-stream"
    (exact,) = decode_header(image_402.headers["payment-required"], PaymentRequired).accepts
    assert (exact.scheme, exact.network, exact.asset) == ("exact", "eip155:43114", NETWORKS["eip155:43114"].asset)
    assert "facilitatorAddress" not in exact.extra
    assert unknown_chain.status_code == 400 and "43113, 43114" in unknown_chain.json()["error"]["message"]


async def test_a_paid_call_on_another_chain(x402: X402Harness) -> None:
    x402.embedded.fund(PAYER.address, FUNDS, "eip155:43114")
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/images/generations", IMAGE, {"x-chain-id": "43114"})
        response = await client.post("/v1/images/generations", json=IMAGE, headers={
            "x-chain-id": "43114", "payment-signature": x402.sign(required.accepts[0])})
    assert response.status_code == 200, response.text
    assert payment_response(response).network == "eip155:43114"
    assert response.json()["compose_receipt"]["network"] == "eip155:43114"
    assert x402.embedded.balance(PAYER.address, "eip155:43114") == FUNDS - int(required.accepts[0].amount)


async def test_external_routes_never_take_raw_x402(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/chat/completions", chat())
        header = x402.sign(required.accepts[0])
        bare = await client.post("/external/v1/chat/completions", json=chat())
        paying = await client.post("/external/v1/chat/completions", json=chat(), headers={"payment-signature": header})
    for response in (bare, paying):
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"  # OpenAI-shaped
        assert "payment-required" not in response.headers
    assert x402.h.provider.calls == 0 and x402.balance(PAYER) == FUNDS and await x402.claims() == []


async def test_a_compose_key_keeps_the_key_path_and_anything_else_pays_with_x402(x402: X402Harness) -> None:
    token, _ = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        keyed = await client.post("/v1/chat/completions", json=chat(),
                                  headers={"authorization": f"Bearer {token}", "payment-signature": "garbage"})
        bare_key = await client.post("/v1/chat/completions", json=chat(), headers={"authorization": token})
        other = await client.post("/v1/chat/completions", json=chat(), headers={"authorization": "Bearer sk-openai"})
        bad_key = await client.post("/v1/chat/completions", json=chat(), headers={"authorization": "Bearer compose-x"})
    assert keyed.status_code == 200 and "x-payment-intent-id" in keyed.headers
    assert "payment-response" not in keyed.headers
    assert bare_key.status_code == 200
    assert other.status_code == 402 and "payment-required" in other.headers
    assert bad_key.status_code == 401


async def test_without_a_facilitator_the_gateway_takes_compose_keys_only(tmp_path: Path) -> None:
    from tests.gateway.support import build

    harness = build(tmp_path)
    async with harness.client() as client:
        response = await client.post("/v1/chat/completions", json=chat())
        agent = await client.post("/agent/0x" + "ab" * 20 + "/chat", json={"message": "hi"})
    harness.ledger.close()
    assert response.status_code == 401 and response.json()["error"]["code"] == "authentication_failed"
    assert agent.status_code == 503  # no runtime configured either


async def test_an_upto_stream_whose_settle_fails_ends_with_compose_error(x402: X402Harness) -> None:
    rig(x402, settle_reply=SettleResponse(success=False, error_reason="permit2_insufficient_balance",
                                          network="eip155:43113"))
    await x402.fund(PAYER)
    body = chat(stream=True)
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            required = await x402.challenge(client, "/v1/chat/completions", body)
            response = await client.post("/v1/chat/completions", json=body,
                                         headers={"payment-signature": x402.sign(required.accepts[0])})
    events = [block for block in response.text.split("\n\n") if block.strip()]
    assert events[-1] == "data: [DONE]" and events[-2].startswith("event: compose.error\n")
    error = orjson.loads(events[-2].split("data: ", 1)[1])
    assert error["error"]["code"] == "settlement_failed"
    assert error["paymentResponse"]["success"] is False
    assert not any(e.startswith("event: compose.receipt") for e in events)
    assert [state for state, *_ in await x402.claims()] == ["failed"]


async def test_receipt_header_and_body_agree_and_the_claim_keeps_the_receipt(x402: X402Harness) -> None:
    response, _ = await paid_call(x402, "/v1/embeddings", {"model": "text-embedding-3-small", "input": "a b c"})
    assert response.status_code == 200, response.text
    receipt = response.json()["compose_receipt"]
    assert receipts.decode_header(response.headers["x-compose-receipt"]) == receipts.camel(receipt)

    [(stored,)] = await backends.query(x402.h.ledger, "SELECT receipt FROM x402_claims")
    assert orjson.loads(stored) == receipt


async def test_an_exact_stream_settles_before_the_first_byte(x402: X402Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """No catalog operation streams at an exact price today; a fixed-price chat shows the order all the same."""
    import dataclasses

    from gateway_min.payment.x402 import payer as x402_paid

    fixed = pricing.price("gpt-4.1", {"input_tokens": 1000, "output_tokens": 1000})
    real_fit = x402_paid.capped

    def fixed_price(work: Any) -> Any:
        fitted, _ = real_fit(work)
        quoted = fitted.quoted._replace(hold=fixed.final_amount, exact=fixed)
        return dataclasses.replace(fitted, quoted=quoted), fixed.final_amount

    monkeypatch.setattr(x402_paid, "capped", fixed_price)
    await x402.fund(PAYER)
    body = chat(stream=True)
    with serve(x402.h.app) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            required = await x402.challenge(client, "/v1/chat/completions", body)
            assert required.accepts[0].scheme == "exact"
            response = await client.post("/v1/chat/completions", json=body,
                                         headers={"payment-signature": x402.sign(required.accepts[0])})
    assert response.status_code == 200
    settled = payment_response(response)  # in the headers: settled before the stream started
    assert (settled.success, settled.amount) == (True, str(fixed.final_amount))
    events = [block for block in response.text.split("\n\n") if block.strip()]
    assert events[-1] == "data: [DONE]" and events[-2].startswith("event: compose.receipt\n")
    assert x402.balance(PAYER) == FUNDS - fixed.final_amount


async def test_raw_x402_and_compose_key_receipts_carry_the_same_lines(x402: X402Harness) -> None:
    """A transcription priced per minute: both paths name the unit in seconds (usd_per_60_seconds), so each line
    recomputes from its own quantity; the raw-x402 receipt used to say usd_per_minute with a count of seconds."""
    import base64

    from tests.gateway.support import auth, wav

    body = {"model": "whisper-1", "file": base64.b64encode(wav(61.3)).decode()}
    response, _ = await paid_call(x402, "/v1/audio/transcriptions", body)
    assert response.status_code == 200, response.text
    token, _ = await x402.h.create_key(1_000_000)
    async with x402.client() as client:
        keyed = await client.post("/v1/audio/transcriptions", json=body, headers=auth(token))
    lines = response.json()["compose_receipt"]["line_items"]
    assert lines == keyed.json()["compose_receipt"]["line_items"]
    assert [(line["unit"], line["quantity"]) for line in lines] == [("usd_per_60_seconds", 61)]


async def test_a_settlement_that_cannot_be_recorded_still_answers_with_its_payment_response(
        x402: X402Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The money moved: without PAYMENT-RESPONSE the client would pay again for the same response."""
    real = x402.h.ledger.resolve_payment

    async def locked(*args: Any, **kwargs: Any) -> bool:
        if args[3] == "settled":
            raise RuntimeError("database is locked")
        return await real(*args, **kwargs)

    monkeypatch.setattr(x402.h.ledger, "resolve_payment", locked)
    response, _ = await paid_call(x402, "/v1/chat/completions", chat())
    assert response.status_code == 200 and payment_response(response).success
    assert x402.balance(PAYER) < FUNDS and "could not record it" in caplog.text


async def test_a_settle_that_fails_unexpectedly_leaves_the_authorization_failed(
        x402: X402Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    async def bug(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in a facilitator client")

    monkeypatch.setattr(x402.h.gw.facilitator, "settle", bug)
    response, _ = await paid_call(x402, "/v1/chat/completions", chat())
    assert response.status_code == 500
    assert [state for state, *_ in await x402.claims()] == ["failed"]  # outcome unknown: never presented again
