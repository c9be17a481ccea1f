"""EIP-712 for exact and upto: the spec's one real signature, and sign/recover round trips checked against the SDK."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from x402.mechanisms.evm.constants import UPTO_PERMIT2_WITNESS_TYPES
from x402.mechanisms.evm.eip712 import hash_eip3009_authorization
from x402.mechanisms.evm.signers import EthAccountSigner
from x402.mechanisms.evm.types import ExactEIP3009Authorization, TypedDataField

from gateway_min.payment.x402.facilitator import EmbeddedFacilitator
from gateway_min.payment.x402.protocol import eip712
from gateway_min.payment.x402.protocol.eip712 import (
    PERMIT2_ADDRESS,
    UPTO_PROXY_ADDRESS,
    PermitWitnessTransfer,
    TokenDomain,
    TransferAuthorization,
)
from gateway_min.payment.x402.protocol.models import PaymentPayload
from gateway_min.payment.x402.protocol.payloads import parse_exact, parse_upto, upto_to_wire
from gateway_min.payment.x402.protocol.requirements import local_checks
from generated.catalog import Network
from tests.gateway.payment.x402.wallets import FACILITATOR_KEY, OPENED, PAYER, STRANGER, Clock

# specs/transports-v2/http.md (coinbase/x402 @ dd927a26): the PAYMENT-SIGNATURE example, a genuine signature.
SPEC_SIGNATURE = (
    "0x2d6a7588d6acca505cbf0d9a4a227e0c52c6c34008c8e8986a1283259764173608a2ce6496642e377d6da8dbbf5836e9bd15092f9ecab05ded3d6293af148b571c"
)
SPEC_PAYER = "0x857b06519E91e3A54538791bDbb0E22373e36b66"
SPEC_PAY_TO = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"
SPEC_ASSET = "0x036CbD53842c5426634e7929541eC2318f3dCF7e"
SPEC_DIGEST = "f256992871671abcb27ff92885a7afa46218724e5fc0bac35d050115aa1d22e6"
SPEC_AUTH = TransferAuthorization(
    from_=SPEC_PAYER,
    to=SPEC_PAY_TO,
    value=10000,
    valid_after=1740672089,
    valid_before=1740672154,
    nonce=bytes.fromhex("f3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"),
)
SPEC_DOMAIN = TokenDomain("USDC", "2", 84532, SPEC_ASSET)
SPEC_PAYLOAD = {
    "x402Version": 2,
    "resource": {"url": "https://api.example.com/premium-data", "description": "Access to premium market data",
                 "mimeType": "application/json"},
    "accepted": {"scheme": "exact", "network": "eip155:84532", "amount": "10000", "asset": SPEC_ASSET,
                 "payTo": SPEC_PAY_TO, "maxTimeoutSeconds": 60, "extra": {"name": "USDC", "version": "2"}},
    "payload": {
        "signature": SPEC_SIGNATURE,
        "authorization": {"from": SPEC_PAYER, "to": SPEC_PAY_TO, "value": "10000", "validAfter": "1740672089",
                          "validBefore": "1740672154",
                          "nonce": "0xf3746613c2d920b5fdabc0856f2aeb2d4f88ee6037b8cc5d04a71a4462f13480"},
    },
}
BASE_SEPOLIA = Network("eip155:84532", 84532, "Base Sepolia", SPEC_ASSET, "USDC", "2", 6, SPEC_PAY_TO)


def test_spec_vector_digest_and_recovery():
    typed = eip712.transfer_typed_data(SPEC_AUTH, SPEC_DOMAIN)
    assert eip712.digest(typed).hex() == SPEC_DIGEST
    assert eip712.recover_transfer(SPEC_AUTH, SPEC_DOMAIN, bytes.fromhex(SPEC_SIGNATURE[2:])) == SPEC_PAYER


def test_spec_vector_parsed_from_the_wire_payload():
    parsed = parse_exact(SPEC_PAYLOAD["payload"])
    assert parsed.authorization == SPEC_AUTH
    assert eip712.recover_transfer(parsed.authorization, SPEC_DOMAIN, parsed.signature) == SPEC_PAYER


def test_spec_vector_under_another_domain_name_recovers_someone_else():
    wrong = TokenDomain("USD Coin", "2", 84532, SPEC_ASSET)
    recovered = eip712.recover_transfer(SPEC_AUTH, wrong, bytes.fromhex(SPEC_SIGNATURE[2:]))
    assert recovered is not None
    assert recovered != SPEC_PAYER
    assert eip712.digest(eip712.transfer_typed_data(SPEC_AUTH, wrong)).hex() != SPEC_DIGEST


def test_spec_vector_passes_local_checks_inside_its_window_and_fails_after():
    payload = PaymentPayload.model_validate(SPEC_PAYLOAD)
    assert local_checks(payload, payload.accepted, now=1740672100) is None
    assert local_checks(payload, payload.accepted, now=int(time.time())) == (
        "invalid_exact_evm_payload_authorization_valid_before"
    )
    assert local_checks(payload, payload.accepted, now=1740672000) == "invalid_exact_evm_payload_authorization_valid_after"


def test_spec_vector_verifies_and_settles_on_the_embedded_facilitator():
    f = EmbeddedFacilitator(":memory:", FACILITATOR_KEY, networks={BASE_SEPOLIA.id: BASE_SEPOLIA}, now=Clock(1740672100))
    OPENED.append(f)
    f.fund(SPEC_PAYER, 10_000)
    body = {"x402Version": 2, "paymentPayload": SPEC_PAYLOAD, "paymentRequirements": SPEC_PAYLOAD["accepted"]}
    assert f.verify(body) == {"isValid": True, "payer": SPEC_PAYER}
    settled = f.settle(body)
    assert settled["success"] is True
    assert settled["transaction"].startswith("0x") and len(settled["transaction"]) == 66
    assert (f.balance(SPEC_PAYER), f.balance(SPEC_PAY_TO)) == (0, 10_000)


def test_spec_vector_with_a_tampered_field_fails():
    parsed = parse_exact(SPEC_PAYLOAD["payload"])
    for changed in (
        TransferAuthorization(SPEC_PAYER, SPEC_PAY_TO, 10001, 1740672089, 1740672154, SPEC_AUTH.nonce),
        TransferAuthorization(SPEC_PAYER, SPEC_PAY_TO, 10000, 1740672089, 1740672155, SPEC_AUTH.nonce),
        TransferAuthorization(SPEC_PAYER, SPEC_PAY_TO, 10000, 1740672089, 1740672154, bytes(32)),
    ):
        assert eip712.recover_transfer(changed, SPEC_DOMAIN, parsed.signature) != SPEC_PAYER


@pytest.mark.parametrize("signature", [b"", b"\x00" * 64, b"\x00" * 65, b"\xff" * 65, b"\x01" * 66])
def test_unrecoverable_signatures_give_none(signature):
    assert eip712.recover_transfer(SPEC_AUTH, SPEC_DOMAIN, signature) is None


uint256 = st.integers(0, 2**256 - 1)
uint64 = st.integers(0, 2**64 - 1)


# Signing costs a few ms per example; the first one also warms eth-account's caches.
@settings(deadline=None, max_examples=50)
@given(value=uint256, after=uint64, before=uint64, nonce=st.binary(min_size=32, max_size=32), chain_id=uint64)
def test_exact_sign_recover_round_trip_and_sdk_digest(value, after, before, nonce, chain_id):
    auth = TransferAuthorization(PAYER.address, STRANGER.address, value, after, before, nonce)
    domain = TokenDomain("USD Coin", "2", chain_id, SPEC_ASSET)
    sig = eip712.sign_transfer(auth, domain, PAYER)
    assert eip712.recover_transfer(auth, domain, bytes.fromhex(sig[2:])) == PAYER.address
    sdk = ExactEIP3009Authorization(
        from_address=auth.from_, to=auth.to, value=str(value), valid_after=str(after), valid_before=str(before),
        nonce="0x" + nonce.hex(),
    )
    assert hash_eip3009_authorization(sdk, chain_id, SPEC_ASSET, "USD Coin", "2") == eip712.digest(
        eip712.transfer_typed_data(auth, domain)
    )


def _permit(nonce: int = 7, amount: int = 500_000) -> PermitWitnessTransfer:
    return PermitWitnessTransfer(
        owner=PAYER.address, token=SPEC_ASSET, amount=amount, spender=UPTO_PROXY_ADDRESS, nonce=nonce,
        deadline=1_750_000_300, to=SPEC_PAY_TO, facilitator=FACILITATOR_KEY.address, valid_after=0,
    )


@settings(deadline=None, max_examples=50)
@given(nonce=uint256, amount=uint256, chain_id=st.integers(1, 2**32))
def test_permit2_sign_recover_round_trip(nonce, amount, chain_id):
    permit = _permit(nonce, amount)
    sig = bytes.fromhex(eip712.sign_permit2(permit, chain_id, PAYER)[2:])
    assert eip712.recover_permit2(permit, chain_id, sig) == PAYER.address
    assert eip712.recover_permit2(permit, chain_id + 1, sig) != PAYER.address


def test_permit2_domain_has_no_version_and_names_permit2():
    typed = eip712.permit2_typed_data(_permit(), 43113)
    assert typed["domain"] == {"name": "Permit2", "chainId": 43113, "verifyingContract": PERMIT2_ADDRESS}
    assert [f["name"] for f in typed["types"]["EIP712Domain"]] == ["name", "chainId", "verifyingContract"]


def test_permit2_nonce_decimal_and_hex_are_the_same_nonce():
    permit = _permit(nonce=2**200 + 12345)
    wire = upto_to_wire(permit, eip712.sign_permit2(permit, 43113, PAYER))
    decimal = parse_upto(wire)
    wire["permit2Authorization"]["nonce"] = hex(permit.nonce)
    hexed = parse_upto(wire)
    assert decimal == hexed
    assert eip712.recover_permit2(hexed.permit, 43113, hexed.signature) == PAYER.address


def test_permit2_sdk_signer_recovers_with_our_typed_data():
    permit = _permit()
    typed = eip712.permit2_typed_data(permit, 43113)
    fields = {name: [TypedDataField(name=f["name"], type=f["type"]) for f in spec]
              for name, spec in UPTO_PERMIT2_WITNESS_TYPES.items()}
    sig = EthAccountSigner(PAYER).sign_typed_data(typed["domain"], fields, typed["primaryType"], typed["message"])
    assert eip712.recover_permit2(permit, 43113, sig) == PAYER.address


addresses = st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex())
names = st.text(max_size=40)


@settings(max_examples=300)
@given(from_=addresses, to=addresses, value=uint256, after=uint256, before=uint256,
       nonce=st.binary(min_size=32, max_size=32), name=names, version=names, chain_id=uint256,
       contract=addresses)
def test_the_fast_transfer_digest_is_eth_accounts(from_, to, value, after, before, nonce, name, version, chain_id,
                                                   contract):
    """The hot path hashes the struct by EIP-712's rules itself: it must equal eth_account's general encoder (the
    oracle) for every field value, addresses in any letter case."""
    auth = TransferAuthorization(from_, to, value, after, before, nonce)
    domain = TokenDomain(name, version, chain_id, contract)
    assert eip712.transfer_digest(auth, domain) == eip712.digest(eip712.transfer_typed_data(auth, domain))


@settings(max_examples=300)
@given(owner=addresses, token=addresses, amount=uint256, spender=addresses, nonce=uint256, deadline=uint256,
       to=addresses, facilitator=addresses, after=uint256, chain_id=uint256)
def test_the_fast_permit2_digest_is_eth_accounts(owner, token, amount, spender, nonce, deadline, to, facilitator,
                                                 after, chain_id):
    permit = PermitWitnessTransfer(owner, token, amount, spender, nonce, deadline, to, facilitator, after)
    assert eip712.permit2_digest(permit, chain_id) == eip712.digest(eip712.permit2_typed_data(permit, chain_id))


@pytest.mark.parametrize("v", [0, 1, 27, 28])
def test_the_recovery_id_may_be_spelled_either_way(v):
    """eth_account takes v as 0/1 or 27/28; so does the fast recovery (and refuses anything else)."""
    signature = bytes.fromhex(SPEC_SIGNATURE[2:])
    spelled = signature[:64] + bytes([v])
    expected = eip712.recover(eip712.transfer_typed_data(SPEC_AUTH, SPEC_DOMAIN), spelled)
    assert eip712.recover_digest(eip712.transfer_digest(SPEC_AUTH, SPEC_DOMAIN), spelled) == expected
    assert (expected == SPEC_PAYER) == (v in (1, 28))  # the spec's signature ends in 0x1c: recovery id 1
