"""Each bad payment gets its own clear error and nothing is charged: no upstream call, no settlement, balances
unchanged. Undecodable → 400 JSON; decodes but fails → 402 with a fresh PAYMENT-REQUIRED naming the reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gateway_min.payment.x402 import PaymentRequired, PaymentRequirements, decode_header, encode_header, pay
from tests.gateway.payment.x402.support import FUNDS, PAYER, STRANGER, X402Harness, b64json, chat, decode_payload

pytestmark = pytest.mark.anyio
IMAGE = {"model": "dall-e-3", "prompt": "a red kite", "n": 1, "size": "1024x1024"}
OTHER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
Make = Callable[[X402Harness, PaymentRequirements], str]


def accepted_as_advertised(x402: X402Harness, signed_for: PaymentRequirements, advertised: PaymentRequirements,
                           account: Any = PAYER, **kwargs: Any) -> str:
    """Sign other terms but claim the advertised ones in `accepted`: only the local checks can catch it."""
    payload = pay(account, signed_for, x402.now(), **kwargs)
    return encode_header(payload.model_copy(update={"accepted": advertised}))


def wrong_signer(x402: X402Harness, req: PaymentRequirements) -> str:
    wire = pay(STRANGER, req, x402.now()).wire()
    wire["payload"]["authorization"]["from"] = PAYER.address  # STRANGER's signature over PAYER's authorization
    return b64json(wire)


def unknown_scheme(x402: X402Harness, req: PaymentRequirements) -> str:
    wire = pay(PAYER, req, x402.now()).wire()
    wire["accepted"]["scheme"] = "batch-settlement"
    return b64json(wire)


REFUSED: dict[str, tuple[Make, str]] = {
    "wrong payTo (accepted)": (lambda x, r: x.sign(r.model_copy(update={"pay_to": OTHER})),
                               "no matching payment requirements: accepted.payTo does not match the advertised payTo"),
    "wrong payTo (signed)": (lambda x, r: accepted_as_advertised(x, r.model_copy(update={"pay_to": OTHER}), r),
                             "invalid_exact_evm_payload_recipient_mismatch"),
    "wrong amount (accepted)": (lambda x, r: x.sign(r.model_copy(update={"amount": "1"})),
                                "no matching payment requirements: accepted.amount does not match the advertised amount"),
    "wrong amount (signed)": (lambda x, r: accepted_as_advertised(x, r.model_copy(update={"amount": "1"}), r),
                              "invalid_exact_evm_payload_authorization_value_mismatch"),
    "expired window": (lambda x, r: x.sign(r, valid_before=x.now() - 1),
                       "invalid_exact_evm_payload_authorization_valid_before"),
    "not yet valid": (lambda x, r: x.sign(r, valid_after=x.now() + 600),
                      "invalid_exact_evm_payload_authorization_valid_after"),
    "wrong signer": (wrong_signer, "invalid_exact_evm_payload_signature"),
    "unknown scheme": (unknown_scheme, "unsupported_scheme: scheme 'batch-settlement' is not supported; this request "
                                       "is paid with 'exact'"),
    "other scheme": (lambda x, r: b64json({**pay(PAYER, r, x.now()).wire(), "accepted": {
        **r.wire(), "scheme": "upto"}}), "invalid_scheme: this request is paid with 'exact', not 'upto'"),
    "other network": (lambda x, r: x.sign(r.model_copy(update={"network": "eip155:43114"})),
                      "no matching payment requirements: accepted.network does not match the advertised network"),
    "unfunded payer": (lambda x, r: x.sign(r, STRANGER), "insufficient_funds"),
}


async def assert_nothing_charged(x402: X402Harness) -> None:
    assert x402.balance(PAYER) == FUNDS
    assert x402.settlements() == []
    assert all(state != "settled" for state, *_ in await x402.claims())
    assert x402.h.provider.calls == 0


@pytest.mark.parametrize("case", list(REFUSED))
async def test_each_bad_payment_is_refused_with_its_reason(x402: X402Harness, case: str) -> None:
    make, reason = REFUSED[case]
    await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/images/generations", IMAGE)
        response = await client.post("/v1/images/generations", json=IMAGE,
                                     headers={"payment-signature": make(x402, required.accepts[0])})
    assert response.status_code == 402, response.text
    fresh = decode_header(response.headers["payment-required"], PaymentRequired)
    assert fresh.error == reason
    assert fresh.accepts == required.accepts  # a fresh challenge for the same request
    assert response.json() == fresh.wire() and response.headers["cache-control"] == "no-store"
    await assert_nothing_charged(x402)


GARBLED = {
    "not base64": ("%%% not base64 %%%", "PAYMENT-SIGNATURE is not base64"),
    "not JSON": (b64json("x")[:-4] + "eHl6", "PAYMENT-SIGNATURE is not JSON"),
    "not an object": (b64json([1, 2]), "PAYMENT-SIGNATURE is not a JSON object"),
    "version 1": (b64json({"x402Version": 1, "scheme": "exact", "network": "base-sepolia", "payload": {}}),
                  "PAYMENT-SIGNATURE x402Version must be 2"),
    "empty": (" ", "PAYMENT-SIGNATURE is empty"),
}


@pytest.mark.parametrize("case", list(GARBLED))
async def test_an_undecodable_header_is_a_400_json_error(x402: X402Harness, case: str) -> None:
    header, message = GARBLED[case]
    await x402.fund(PAYER)
    async with x402.client() as client:
        response = await client.post("/v1/images/generations", json=IMAGE, headers={"payment-signature": header})
    assert response.status_code == 400, response.text
    assert response.json() == {"error": {"code": "invalid_payment", "message": message}}
    await assert_nothing_charged(x402)


async def test_a_payload_missing_its_authorization_is_a_400(x402: X402Harness) -> None:
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/images/generations", IMAGE)
        header = b64json({"x402Version": 2, "accepted": required.accepts[0].wire()})
        response = await client.post("/v1/images/generations", json=IMAGE, headers={"payment-signature": header})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("PAYMENT-SIGNATURE is invalid: payload: Field required")


async def test_either_base64_alphabet_with_or_without_padding_is_accepted(x402: X402Harness) -> None:
    await x402.fund(PAYER)
    async with x402.client() as client:
        required = await x402.challenge(client, "/v1/chat/completions", chat())
        for urlsafe, padded in ((True, False), (False, False), (True, True)):
            wire = decode_payload(x402.sign(required.accepts[0])).wire()
            response = await client.post("/v1/chat/completions", json=chat(),
                                         headers={"payment-signature": b64json(wire, urlsafe=urlsafe, padded=padded)})
            assert response.status_code == 200, response.text
    assert len(x402.settlements()) == 3


async def test_a_failed_verify_spends_the_payment_for_this_gateway(x402: X402Harness) -> None:
    async with x402.client() as client:  # unfunded: verify says insufficient_funds
        required = await x402.challenge(client, "/v1/images/generations", IMAGE)
        header = x402.sign(required.accepts[0])
        first = await client.post("/v1/images/generations", json=IMAGE, headers={"payment-signature": header})
        await x402.fund(PAYER)
        second = await client.post("/v1/images/generations", json=IMAGE, headers={"payment-signature": header})
    assert first.json()["error"] == "insufficient_funds"
    assert second.json()["error"].startswith("payment_already_used") and "(failed)" in second.json()["error"]
    assert [state for state, *_ in await x402.claims()] == ["failed"]
