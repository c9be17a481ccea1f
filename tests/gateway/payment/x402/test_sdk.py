"""The official x402 SDK (unmodified) pays the real gateway end to end: exact (images), upto (chat), an upto
stream over uvicorn, and an agent runtime call; the challenge decodes with the SDK's own header decoder."""

from __future__ import annotations

import httpx
import orjson
import pytest
from x402 import x402Client
from x402.http.clients.httpx import x402AsyncTransport
from x402.http.utils import decode_payment_required_header, decode_payment_response_header
from x402.mechanisms.evm.exact import ExactEvmScheme
from x402.mechanisms.evm.upto import UptoEvmScheme

import pricing
from gateway_min.payment import receipts
from tests.gateway.payment.x402.support import FUNDS, PAYER, X402Harness, chat
from tests.gateway.support import serve

pytestmark = pytest.mark.anyio
IMAGE = {"model": "dall-e-3", "prompt": "a lighthouse at dusk", "n": 2, "size": "1024x1024", "quality": "hd"}
PAY_TO = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def sdk(transport: httpx.AsyncBaseTransport, base_url: str) -> httpx.AsyncClient:
    payer = x402Client()
    # Fuji USDC is not among the SDK's default assets: its spend controls must be told to allow it.
    payer.set_spend_controls({"allowed_assets": True, "max_amount_per_payment": False})  # type: ignore[arg-type]
    payer.register("eip155:43113", ExactEvmScheme(signer=PAYER))
    payer.register("eip155:43113", UptoEvmScheme(signer=PAYER))
    return httpx.AsyncClient(transport=x402AsyncTransport(payer, transport), base_url=base_url, timeout=30)


async def test_the_challenge_decodes_with_the_sdk_decoder(x402: X402Harness) -> None:
    async with x402.client() as client:
        response = await client.post("/v1/images/generations", json=IMAGE)
    assert response.status_code == 402 and response.headers["cache-control"] == "no-store"
    required = decode_payment_required_header(response.headers["payment-required"])
    assert required.x402_version == 2
    (accepts,) = required.accepts
    price = pricing.quote_exact("dall-e-3", IMAGE, "images").final_amount
    assert (accepts.scheme, accepts.network, accepts.amount, accepts.pay_to) == ("exact", "eip155:43113", str(price),
                                                                                 PAY_TO)
    assert accepts.extra["name"] == "USD Coin" and accepts.extra["version"] == "2"
    assert required.resource.url == "http://gateway.test/v1/images/generations"
    assert response.json() == orjson.loads(required.model_dump_json(by_alias=True, exclude_none=True))


async def test_sdk_pays_exact_for_images(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    price = pricing.quote_exact("dall-e-3", IMAGE, "images").final_amount
    async with sdk(httpx.ASGITransport(app=x402.h.app), "http://gateway.test") as client:
        response = await client.post("/v1/images/generations", json=IMAGE)
    assert response.status_code == 200, response.text
    settled = decode_payment_response_header(response.headers["payment-response"])
    assert (settled.success, settled.amount, settled.payer) == (True, str(price), PAYER.address)
    assert response.headers["x-transaction-hash"] == settled.transaction
    receipt = response.json()["compose_receipt"]
    assert receipts.decode_header(response.headers["x-compose-receipt"]) == receipts.camel(receipt)
    assert (receipt["final_amount_wei"], receipt["tx_hash"], receipt["scheme"]) == (str(price), settled.transaction,
                                                                                     "exact")
    assert len(response.json()["data"]) == 2
    assert (x402.balance(PAYER), x402.balance(PAY_TO)) == (FUNDS - price, price)
    assert await x402.claims() == [("settled", "exact", price, settled.transaction)]


async def test_sdk_pays_upto_for_chat_and_is_charged_the_measured_usage(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    maximum = pricing.quote_max("gpt-4.1", chat("one two three"), "chat").amount
    async with sdk(httpx.ASGITransport(app=x402.h.app), "http://gateway.test") as client:
        response = await client.post("/v1/chat/completions", json=chat("one two three"))
    assert response.status_code == 200, response.text
    usage = response.json()["usage"]
    charge = pricing.price("gpt-4.1", {"input_tokens": usage["prompt_tokens"],
                                       "output_tokens": usage["completion_tokens"]})
    assert 0 < charge.final_amount < maximum
    settled = decode_payment_response_header(response.headers["payment-response"])
    assert (settled.success, settled.amount) == (True, str(charge.final_amount))
    receipt = response.json()["compose_receipt"]
    assert (receipt["final_amount_wei"], receipt["max_amount_wei"]) == (str(charge.final_amount), str(maximum))
    assert [item["amount_wei"] for item in receipt["line_items"]] == [str(i.amount) for i in charge.line_items]
    assert x402.balance(PAYER) == FUNDS - charge.final_amount
    assert x402.settlements()[0][1:] == (PAYER.address, charge.final_amount, "upto")


async def test_sdk_pays_an_upto_stream_settled_after_its_end(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    with serve(x402.h.app) as base:
        body = chat("stream me please", stream=True, stream_options={"include_usage": True})
        async with sdk(httpx.AsyncHTTPTransport(), base) as client, \
                client.stream("POST", "/v1/chat/completions", json=body) as response:
            assert response.status_code == 200
            assert "payment-response" not in response.headers  # the amount is known only at the end
            named = response.headers["x-compose-response-id"]
            text = (await response.aread()).decode()
    events = [block for block in text.split("\n\n") if block.strip()]
    assert events[-1] == "data: [DONE]" and '"usage"' in events[-2]  # the usage chunk asked for comes last
    assert events[-3].startswith("event: compose.receipt\ndata: ")
    receipt = orjson.loads(events[-3].split("data: ", 1)[1])
    assert named == "resp_" + receipt["receiptId"].removeprefix("rct_")  # the stream and its receipt pair up
    assert receipt["object"] == "chat.completion.chunk" and receipt["choices"] == []  # a chunk of the stream
    usage = next(orjson.loads(e[6:])["usage"] for e in events if e.startswith("data: {") and '"usage"' in e)
    charge = pricing.price("gpt-4.1", {"input_tokens": usage["prompt_tokens"],
                                       "output_tokens": usage["completion_tokens"]})
    assert receipt["finalAmountWei"] == str(charge.final_amount)
    assert receipt["paymentResponse"]["success"] is True
    assert receipt["paymentResponse"]["amount"] == str(charge.final_amount)
    assert receipt["txHash"] == receipt["paymentResponse"]["transaction"]
    assert x402.balance(PAYER) == FUNDS - charge.final_amount
    assert await x402.claims() == [("settled", "upto", charge.final_amount, receipt["txHash"])]


async def test_sdk_pays_an_agent_runtime_call(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    wallet = "0x" + "ab" * 20
    async with sdk(httpx.ASGITransport(app=x402.h.app), "http://gateway.test") as client:
        response = await client.post(f"/agent/{wallet}/chat", json={"message": "plan my week"},
                                     headers={"x-x402-max-amount-wei": "50000"})
    assert response.status_code == 200, response.text
    body = response.json()
    charge = pricing.price(body["model"], {"input_tokens": body["usage"]["promptTokens"],
                                           "output_tokens": body["usage"]["completionTokens"]})
    assert body["receipt"]["final_amount_wei"] == str(charge.final_amount)
    assert body["receipt"]["settlement_status"] == "settled" and body["receipt"]["max_amount_wei"] == "50000"
    assert x402.balance(PAYER) == FUNDS - charge.final_amount
