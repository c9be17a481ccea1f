"""The interop proof: payloads signed by the official x402 SDK's clients verify and settle on our facilitator."""

from __future__ import annotations

import time

from x402 import x402ClientSync
from x402.http.utils import decode_payment_required_header, encode_payment_signature_header
from x402.mechanisms.evm.exact import ExactEvmScheme
from x402.mechanisms.evm.upto import UptoEvmScheme

from gateway_min.payment.x402.facilitator import EmbeddedFacilitator
from gateway_min.payment.x402.protocol.codec import decode_header, encode_header
from gateway_min.payment.x402.protocol.models import PaymentPayload, PaymentRequired, PaymentRequirements, ResourceInfo
from gateway_min.payment.x402.protocol.requirements import local_checks, matches, payer_and_nonce
from tests.gateway.payment.x402.wallets import (
    FACILITATOR_KEY,
    FUNDS,
    MAX,
    OPENED,
    PAY_TO,
    PAYER,
    PRICE,
    at_amount,
    body,
    exact_requirements,
)
from tests.gateway.payment.x402.wallets import upto_requirements as build_upto

RESOURCE = ResourceInfo(url="https://gateway.test/v1/chat/completions", description="Compose.Market AI Agent Inference")


def sdk_pay(advertised: PaymentRequirements, scheme: object) -> PaymentPayload:
    """Our 402 header → the SDK client → its PAYMENT-SIGNATURE header → our decoder."""
    header = encode_header(PaymentRequired(resource=RESOURCE, accepts=[advertised]))
    # Fuji USDC is not among the SDK's default assets, so its spend controls must be told about it.
    controls = {"allowed_assets": True, "max_amount_per_payment": False}
    client = x402ClientSync().set_spend_controls(controls).register(advertised.network, scheme)  # type: ignore[arg-type]
    sdk_payload = client.create_payment_payload(decode_payment_required_header(header))
    return decode_header(encode_payment_signature_header(sdk_payload), PaymentPayload)


def real_clock_facilitator() -> EmbeddedFacilitator:
    # The SDK signs with time.time(), so this facilitator keeps the real clock.
    f = EmbeddedFacilitator(":memory:", FACILITATOR_KEY)
    OPENED.append(f)
    f.fund(PAYER.address, FUNDS)
    return f


def test_sdk_exact_payload_verifies_and_settles():
    f = real_clock_facilitator()
    advertised = exact_requirements()
    payload = sdk_pay(advertised, ExactEvmScheme(signer=PAYER))
    assert matches(payload.accepted, advertised) is None
    assert payload.resource == RESOURCE
    assert local_checks(payload, advertised, int(time.time())) is None
    assert f.verify(body(payload, advertised)) == {"isValid": True, "payer": PAYER.address}
    settled = f.settle(body(payload, advertised))
    assert (settled["success"], settled["amount"], settled["payer"]) == (True, str(PRICE), PAYER.address)
    assert (f.balance(PAYER.address), f.balance(PAY_TO)) == (FUNDS - PRICE, PRICE)
    assert f.settle(body(payload, advertised)) == settled  # identical again: its first outcome
    assert (f.balance(PAYER.address), f.balance(PAY_TO)) == (FUNDS - PRICE, PRICE)
    payer, nonce = payer_and_nonce(payload)
    assert payer == PAYER.address and nonce == payload.payload["authorization"]["nonce"].lower()


def test_sdk_upto_payload_verifies_and_settles_the_measured_amount():
    f = real_clock_facilitator()
    advertised = build_upto()
    payload = sdk_pay(advertised, UptoEvmScheme(signer=PAYER))
    assert matches(payload.accepted, advertised) is None
    assert local_checks(payload, advertised, int(time.time())) is None
    assert f.verify(body(payload, advertised)) == {"isValid": True, "payer": PAYER.address}
    over = f.settle(body(payload, at_amount(advertised, MAX + 1)))
    assert over["errorReason"] == "invalid_upto_evm_payload_settlement_exceeds_amount"
    settled = f.settle(body(payload, at_amount(advertised, 2_350)))
    assert (settled["success"], settled["amount"]) == (True, "2350")
    assert (f.balance(PAYER.address), f.balance(PAY_TO)) == (FUNDS - 2_350, 2_350)
    assert f.settle(body(payload, at_amount(advertised, 1)))["errorReason"] == "permit2_invalid_nonce"
    # The SDK sends the Permit2 nonce in decimal; the claim key is its 32-byte hex form.
    decimal = int(payload.payload["permit2Authorization"]["nonce"])
    assert payer_and_nonce(payload) == (PAYER.address, "0x" + decimal.to_bytes(32, "big").hex())


def test_sdk_payload_for_another_facilitator_is_refused():
    f = real_clock_facilitator()
    advertised = build_upto()
    theirs = advertised.model_copy(update={"extra": {**advertised.extra, "facilitatorAddress": PAY_TO}})
    payload = sdk_pay(theirs, UptoEvmScheme(signer=PAYER))
    assert f.verify(body(payload, advertised))["invalidReason"] == "upto_facilitator_mismatch"
    assert matches(payload.accepted, advertised) == "accepted.extra.facilitatorAddress does not match the advertised extra"
