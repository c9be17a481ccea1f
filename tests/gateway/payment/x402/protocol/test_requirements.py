"""Gateway helpers: building accepts[] entries, matching what the client accepted, local checks, claim keys."""

from __future__ import annotations

import pytest

from gateway_min.payment.x402.protocol.errors import MalformedPayment
from gateway_min.payment.x402.protocol.models import PaymentPayload
from gateway_min.payment.x402.protocol.requirements import build_requirements, local_checks, matches, payer_and_nonce
from tests.gateway.payment.x402.wallets import (
    C_CHAIN,
    FACILITATOR_KEY,
    FUJI,
    NOW,
    OTHER_PAY_TO,
    PAY_TO,
    PAYER,
    STRANGER,
    exact_requirements,
    signed,
    upto_requirements,
)


def test_build_exact_and_upto():
    exact = build_requirements("exact", FUJI, 10_000, PAY_TO, None)
    assert exact.wire() == {
        "scheme": "exact", "network": "eip155:43113", "amount": "10000", "asset": FUJI.asset, "payTo": PAY_TO,
        "maxTimeoutSeconds": 300, "extra": {"name": "USD Coin", "version": "2"},
    }
    upto = build_requirements("upto", C_CHAIN, 5, PAY_TO, {"facilitatorAddress": FACILITATOR_KEY.address},
                              max_timeout_seconds=900)
    assert upto.wire() == {
        "scheme": "upto", "network": "eip155:43114", "amount": "5", "asset": C_CHAIN.asset, "payTo": PAY_TO,
        "maxTimeoutSeconds": 900, "extra": {"facilitatorAddress": FACILITATOR_KEY.address, "name": "USD Coin",
                                            "version": "2", "assetTransferMethod": "permit2"},
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("upto", FUJI, 5, PAY_TO, None), "facilitatorAddress"),
        (("upto", FUJI, 5, PAY_TO, {"facilitatorAddress": ""}), "facilitatorAddress"),
        (("batch-settlement", FUJI, 5, PAY_TO, None), "unsupported scheme"),
        (("exact", FUJI, 0, PAY_TO, None), "positive int"),
        (("exact", FUJI, -5, PAY_TO, None), "positive int"),
        (("exact", FUJI, 1.0, PAY_TO, None), "positive int"),
        (("exact", FUJI, True, PAY_TO, None), "positive int"),
    ],
)
def test_build_refuses_what_cannot_be_paid(args, message):
    with pytest.raises(ValueError, match=message):
        build_requirements(*args)


def test_matches_identical_and_case_insensitive_addresses():
    ours = upto_requirements()
    theirs = ours.model_copy(update={
        "pay_to": ours.pay_to.lower(), "asset": ours.asset.upper().replace("0X", "0x"),
        "extra": {**ours.extra, "facilitatorAddress": FACILITATOR_KEY.address.lower(), "clientAdded": 1},
    })
    assert matches(ours, ours) is None
    assert matches(theirs, ours) is None


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        ({"scheme": "exact"}, "accepted.scheme does not match the advertised scheme"),
        ({"network": C_CHAIN.id}, "accepted.network does not match the advertised network"),
        ({"amount": "500001"}, "accepted.amount does not match the advertised amount"),
        ({"amount": "0500000"}, "accepted.amount does not match the advertised amount"),
        ({"asset": C_CHAIN.asset}, "accepted.asset does not match the advertised asset"),
        ({"pay_to": OTHER_PAY_TO}, "accepted.payTo does not match the advertised payTo"),
        ({"max_timeout_seconds": 301}, "accepted.maxTimeoutSeconds does not match the advertised maxTimeoutSeconds"),
        ({"extra": {"name": "USD Coin", "version": "2", "assetTransferMethod": "permit2"}},
         "accepted.extra.facilitatorAddress does not match the advertised extra"),
        ({"extra": {"name": "USDC", "version": "2", "assetTransferMethod": "permit2",
                    "facilitatorAddress": FACILITATOR_KEY.address}},
         "accepted.extra.name does not match the advertised extra"),
    ],
)
def test_matches_names_the_first_difference(update, reason):
    ours = upto_requirements()
    assert matches(ours.model_copy(update=update), ours) == reason


def test_local_checks_pass_for_good_payloads():
    for req in (exact_requirements(), upto_requirements()):
        assert local_checks(signed(req), req, NOW) is None


@pytest.mark.parametrize(
    ("payload", "requirements", "reason"),
    [
        (lambda: signed(exact_requirements(pay_to=OTHER_PAY_TO)), exact_requirements,
         "invalid_exact_evm_payload_recipient_mismatch"),
        (lambda: signed(exact_requirements(9_999)), exact_requirements,
         "invalid_exact_evm_payload_authorization_value_mismatch"),
        (lambda: signed(exact_requirements(), valid_before=NOW + 5), exact_requirements,
         "invalid_exact_evm_payload_authorization_valid_before"),
        (lambda: signed(exact_requirements(), valid_after=NOW + 60), exact_requirements,
         "invalid_exact_evm_payload_authorization_valid_after"),
        (lambda: signed(upto_requirements(pay_to=OTHER_PAY_TO)), upto_requirements,
         "invalid_permit2_recipient_mismatch"),
        (lambda: signed(upto_requirements(400_000)), upto_requirements, "permit2_amount_mismatch"),
        (lambda: signed(upto_requirements(), valid_before=NOW), upto_requirements, "permit2_deadline_expired"),
        (lambda: signed(upto_requirements(), valid_after=NOW + 1), upto_requirements, "permit2_not_yet_valid"),
        (lambda: signed(upto_requirements()), lambda: upto_requirements().model_copy(update={"extra": {}}),
         "upto_facilitator_mismatch"),
        (lambda: signed(exact_requirements()), lambda: exact_requirements().model_copy(update={"extra": {}}),
         "missing_eip712_domain"),
        (lambda: signed(exact_requirements()), lambda: exact_requirements(network=C_CHAIN), "network_mismatch"),
        (lambda: signed(exact_requirements()), lambda: exact_requirements().model_copy(update={"network": "solana:x"}),
         "invalid_network"),
        (lambda: signed(exact_requirements()), lambda: exact_requirements().model_copy(update={"scheme": "nope"}),
         "unsupported_scheme"),
    ],
)
def test_local_checks_reasons(payload, requirements, reason):
    assert local_checks(payload(), requirements(), NOW) == reason


def test_local_checks_catch_a_forged_signer():
    for req, section in ((exact_requirements(), "authorization"), (upto_requirements(), "permit2Authorization")):
        wire = signed(req, account=STRANGER).wire()
        wire["payload"][section]["from"] = PAYER.address
        expected = "invalid_exact_evm_payload_signature" if req.scheme == "exact" else "invalid_permit2_signature"
        assert local_checks(PaymentPayload.model_validate(wire), req, NOW) == expected


def test_payer_and_nonce():
    exact = signed(exact_requirements(), nonce=255)
    assert payer_and_nonce(exact) == (PAYER.address, "0x" + "00" * 31 + "ff")
    upto = signed(upto_requirements(), nonce=255)
    assert payer_and_nonce(upto) == (PAYER.address, "0x" + "00" * 31 + "ff")
    wire = upto.wire()
    wire["payload"]["permit2Authorization"]["from"] = PAYER.address.lower()
    assert payer_and_nonce(PaymentPayload.model_validate(wire))[0] == PAYER.address
    del wire["payload"]["permit2Authorization"]["nonce"]
    with pytest.raises(MalformedPayment, match=r"^PAYMENT-SIGNATURE payload: permit2Authorization\.nonce is not"):
        payer_and_nonce(PaymentPayload.model_validate(wire))


def test_local_checks_refuse_unreadable_requirements():
    req = exact_requirements()
    assert local_checks(signed(req), req.model_copy(update={"asset": "usdc"}), NOW) == "invalid_payment_requirements"


def test_build_refuses_a_non_positive_timeout():
    with pytest.raises(ValueError, match="max_timeout_seconds"):
        build_requirements("exact", FUJI, 1, PAY_TO, None, max_timeout_seconds=0)


def test_wallet_refuses_requirements_it_cannot_sign():
    from gateway_min.payment.x402.protocol.wallet import pay

    with pytest.raises(ValueError, match="eip155"):
        pay(PAYER, exact_requirements().model_copy(update={"network": "solana:mainnet"}), NOW)
    with pytest.raises(ValueError, match=r"extra\.name"):
        pay(PAYER, exact_requirements().model_copy(update={"extra": {}}), NOW)
    with pytest.raises(ValueError, match="facilitatorAddress"):
        pay(PAYER, upto_requirements().model_copy(update={"extra": {}}), NOW)
