"""The embedded facilitator over HTTP, and a gateway that settles through another gateway's facilitator routes
(what --facilitator-url does)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway_min.http import SMALL_BODY
from gateway_min.payment.x402 import HttpFacilitator, SettleResponse, pay
from gateway_min.server import facilitator_headers
from tests.gateway.payment.x402.support import ADMIN, FUNDS, PAYER, X402Harness, build_x402, chat, payment_response

pytestmark = pytest.mark.anyio
BASE = "/api/x402/facilitator"
ADMIN_AUTH = {"authorization": f"Bearer {ADMIN}"}


async def test_supported_and_chains(x402: X402Harness) -> None:
    async with x402.client() as client:
        supported = (await client.get(f"{BASE}/supported")).json()
        chains = (await client.get(f"{BASE}/chains")).json()
    kinds = {(k["scheme"], k["network"]) for k in supported["kinds"]}
    assert kinds == {(s, n) for s in ("exact", "upto") for n in ("eip155:43113", "eip155:43114")}
    upto = next(k for k in supported["kinds"] if k["scheme"] == "upto")
    assert upto["extra"] == {"facilitatorAddress": x402.embedded.address}
    assert supported["signers"] == {"eip155:*": [x402.embedded.address]}
    assert chains["defaultChainId"] == 43113 and {c["chainId"] for c in chains["chains"]} == {43113, 43114}


@pytest.mark.parametrize(("headers", "body", "status", "message"), [
    ({}, {"address": PAYER.address, "amount": 5}, 401, "funding needs the admin token"),
    ({"authorization": "Bearer nope"}, {"address": PAYER.address, "amount": 5}, 401, "funding needs the admin token"),
    (ADMIN_AUTH, {"address": "0x123", "amount": 5}, 400, "cannot fund: address is not a 0x-prefixed 20-byte"),
    (ADMIN_AUTH, {"address": PAYER.address, "amount": 0}, 400, "amount must be a positive integer"),
    (ADMIN_AUTH, {"address": PAYER.address, "amount": True}, 400, "amount must be a positive integer"),
    (ADMIN_AUTH, {"address": PAYER.address, "amount": 1.5}, 400, "amount must be a positive integer"),
    (ADMIN_AUTH, {"address": PAYER.address, "amount": "12x"}, 400, "amount must be a positive integer"),
    (ADMIN_AUTH, {"address": PAYER.address, "amount": 10**30}, 400, "amount must be a positive integer"),
    (ADMIN_AUTH, {"address": PAYER.address, "amount": "9" * 5000}, 400, "amount must be a positive integer"),  # a 500
    (ADMIN_AUTH, {"address": PAYER.address, "amount": 5, "memo": 1}, 400, "unknown field(s): memo"),
    (ADMIN_AUTH, {"address": PAYER.address, "amount": 5, "network": "eip155:1"}, 400, "cannot fund: unknown network"),
])
async def test_fund_refuses_without_the_admin_token_or_with_bad_input(x402: X402Harness, headers: dict[str, str],
                                                                      body: dict[str, Any], status: int,
                                                                      message: str) -> None:
    async with x402.client() as client:
        response = await client.post(f"{BASE}/fund", json=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)
    assert x402.balance(PAYER) == 0


async def test_fund_credits_the_payer(x402: X402Harness) -> None:
    async with x402.client() as client:
        first = await client.post(f"{BASE}/fund", json={"address": PAYER.address.lower(), "amount": "700"},
                                  headers=ADMIN_AUTH)
        second = await client.post(f"{BASE}/fund", json={"address": PAYER.address, "amount": 300,
                                                         "network": "eip155:43114"}, headers=ADMIN_AUTH)
    assert first.json() == {"address": PAYER.address, "network": "eip155:43113", "balance": "700"}
    assert second.json()["balance"] == "300" and second.json()["network"] == "eip155:43114"


async def test_verify_and_settle_over_http(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/chat/completions", chat())
        requirements = required.accepts[0]
        payload = pay(PAYER, requirements, x402.now())
        body = {"x402Version": 2, "paymentPayload": payload.wire(), "paymentRequirements": requirements.wire()}
        verified = await client.post(f"{BASE}/verify", json=body)
        anonymous = await client.post(f"{BASE}/settle", json=body)
        settled = await client.post(f"{BASE}/settle", json={**body, "paymentRequirements": {
            **requirements.wire(), "amount": "123"}}, headers=ADMIN_AUTH)
        again = await client.post(f"{BASE}/settle", json=body, headers=ADMIN_AUTH)
        garbage = await client.post(f"{BASE}/verify", content=b"{nope", headers={"content-type": "application/json"})
        unknown = await client.post(f"{BASE}/verify", json={**body, "extra": 1})
        huge = await client.post(f"{BASE}/verify", content=b" " * (SMALL_BODY + 1),
                                 headers={"content-type": "application/json"})
    assert (verified.status_code, verified.json()) == (200, {"isValid": True, "payer": PAYER.address})
    assert anonymous.status_code == 401 and "settling needs the admin token" in anonymous.json()["error"]["message"]
    assert settled.status_code == 200 and settled.json()["amount"] == "123"
    assert payment_response(settled) == SettleResponse.model_validate(settled.json())
    assert (again.status_code, again.json()["errorReason"]) == (400, "permit2_invalid_nonce")
    assert (garbage.status_code, garbage.json()["invalidReason"]) == (400, "invalid_payload")
    assert (unknown.status_code, unknown.json()["invalidReason"]) == (400, "invalid_payload")
    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "payload_too_large")  # said as it is
    assert x402.balance(PAYER) == FUNDS - 123


async def test_a_gateway_paying_through_another_gateways_facilitator(x402: X402Harness, tmp_path: Path) -> None:
    """The second gateway has no embedded facilitator: like --facilitator-url, it uses HttpFacilitator."""
    other = build_x402(tmp_path / "other")
    other.embedded.close()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=x402.h.app)) as http:
        other.h.gw.facilitator = HttpFacilitator(f"http://facilitator.test{BASE}", http, timeout=5,
                                                 headers=facilitator_headers(ADMIN))
        other.h.gw.embedded_facilitator = None
        await x402.fund(PAYER)
        async with other.client() as client:
            required = await other.challenge(client, "/v1/chat/completions", chat())
            assert required.accepts[0].extra["facilitatorAddress"] == x402.embedded.address
            response = await client.post("/v1/chat/completions", json=chat(),
                                         headers={"payment-signature": other.sign(required.accepts[0])})
            served = await client.get(f"{BASE}/supported")
    other.h.ledger.close()
    assert response.status_code == 200, response.text
    assert x402.balance(PAYER) == FUNDS - int(payment_response(response).amount or 0)
    assert served.status_code == 404  # only the gateway that embeds a facilitator serves it


async def test_the_challenge_amount_is_deterministic_across_instances(x402: X402Harness, tmp_path: Path) -> None:
    other = build_x402(tmp_path / "other")
    try:
        async with x402.client() as one, other.client() as two:
            first = await x402.challenge(one, "/v1/chat/completions", chat())
            second = await other.challenge(two, "/v1/chat/completions", chat())
    finally:
        other.h.ledger.close()
        other.embedded.close()
    assert first.accepts[0].amount == second.accepts[0].amount
