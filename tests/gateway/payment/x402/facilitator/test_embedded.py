"""EmbeddedFacilitator: happy paths, every refusal with its reason and no balance change, replays and races."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway_min.payment.x402.facilitator import EmbeddedFacilitator
from gateway_min.payment.x402.protocol.eip712 import UPTO_PROXY_ADDRESS, PermitWitnessTransfer, sign_permit2
from gateway_min.payment.x402.protocol.models import PaymentPayload, SettleResponse, SupportedResponse, VerifyResponse
from gateway_min.payment.x402.protocol.payloads import upto_to_wire
from tests.gateway.payment.x402.wallets import (
    C_CHAIN,
    FACILITATOR_KEY,
    FUJI,
    FUNDS,
    MAX,
    NOW,
    OPENED,
    OTHER_PAY_TO,
    PAY_TO,
    PAYER,
    PRICE,
    STRANGER,
    Clock,
    at_amount,
    body,
    exact_requirements,
    facilitator,
    settle_in_another_process,
    signed,
    upto_requirements,
)


def balances(f: EmbeddedFacilitator) -> tuple[int, int]:
    return f.balance(PAYER.address), f.balance(PAY_TO)


def test_exact_verify_then_settle_moves_the_amount_once():
    f = facilitator()
    req = exact_requirements()
    b = body(signed(req), req)
    assert f.verify(b) == {"isValid": True, "payer": PAYER.address}
    assert balances(f) == (FUNDS, 0)  # verify moves nothing
    settled = f.settle(b)
    assert settled == {
        "success": True, "payer": PAYER.address, "transaction": settled["transaction"], "network": FUJI.id,
        "amount": str(PRICE),
    }
    assert len(settled["transaction"]) == 66 and int(settled["transaction"], 16) > 0
    assert balances(f) == (FUNDS - PRICE, PRICE)
    SettleResponse.model_validate(settled)


def test_transaction_hash_is_deterministic_and_distinct_per_nonce():
    req = exact_requirements()
    payload = signed(req, nonce=42)
    first, second = facilitator(), facilitator()
    assert first.settle(body(payload, req))["transaction"] == second.settle(body(payload, req))["transaction"]
    other = first.settle(body(signed(req, nonce=43), req))
    assert other["success"] and other["transaction"] != second.settle(body(payload, req))["transaction"]


def test_a_settled_authorization_verifies_no_more_and_settles_again_only_as_its_first_outcome():
    """An identical settlement presented again (a caller that lost the answer) gets the first outcome, as a chain's
    receipt of the mined transaction would say: nothing moves twice. Anything else with that nonce is refused."""
    f = facilitator()
    req = exact_requirements()
    b = body(signed(req), req)
    first = f.settle(b)
    assert first["success"] is True
    assert f.verify(b) == {"isValid": False, "invalidReason": "invalid_exact_evm_nonce_already_used",
                           "payer": PAYER.address}
    again = f.settle(b)
    assert again == first
    assert balances(f) == (FUNDS - PRICE, PRICE)


def test_upto_verifies_the_max_and_settles_the_measured_amount():
    f = facilitator()
    req = upto_requirements()
    payload = signed(req)
    assert f.verify(body(payload, req)) == {"isValid": True, "payer": PAYER.address}
    settled = f.settle(body(payload, at_amount(req, 123_456)))
    assert (settled["success"], settled["amount"], settled["payer"]) == (True, "123456", PAYER.address)
    assert settled["transaction"].startswith("0x")
    assert balances(f) == (FUNDS - 123_456, 123_456)
    replay = f.settle(body(payload, at_amount(req, 1)))
    assert (replay["success"], replay["errorReason"]) == (False, "permit2_invalid_nonce")
    assert f.verify(body(payload, req))["invalidReason"] == "permit2_invalid_nonce"
    assert balances(f) == (FUNDS - 123_456, 123_456)


def test_upto_settle_of_the_full_max_is_allowed():
    f = facilitator()
    req = upto_requirements()
    assert f.settle(body(signed(req), req))["amount"] == str(MAX)
    assert balances(f) == (FUNDS - MAX, MAX)


def test_upto_settle_zero_succeeds_without_a_transaction_and_spends_the_nonce():
    f = facilitator()
    req = upto_requirements()
    payload = signed(req)
    settled = f.settle(body(payload, at_amount(req, 0)))
    assert settled == {"success": True, "payer": PAYER.address, "transaction": "", "network": FUJI.id, "amount": "0"}
    assert balances(f) == (FUNDS, 0)
    assert f.settle(body(payload, at_amount(req, 10)))["errorReason"] == "permit2_invalid_nonce"
    assert balances(f) == (FUNDS, 0)


def test_upto_settle_above_the_max_is_refused_and_the_nonce_stays_usable():
    f = facilitator()
    req = upto_requirements()
    payload = signed(req)
    over = f.settle(body(payload, at_amount(req, MAX + 1)))
    assert over == {"success": False, "errorReason": "invalid_upto_evm_payload_settlement_exceeds_amount",
                    "payer": PAYER.address, "transaction": "", "network": FUJI.id}
    assert balances(f) == (FUNDS, 0)
    assert f.settle(body(payload, at_amount(req, MAX)))["success"] is True


def test_upto_settle_needs_only_the_settled_amount_in_balance():
    f = facilitator(funds=MAX)
    req = upto_requirements()
    payload = signed(req)
    assert f.verify(body(payload, req))["isValid"] is True
    f.fund(PAYER.address, 0)
    # Spend most of the balance elsewhere between verify and settle.
    assert f.settle(body(signed(exact_requirements(MAX - 1_000)), exact_requirements(MAX - 1_000)))["success"]
    assert f.settle(body(payload, at_amount(req, 1_001)))["errorReason"] == "permit2_insufficient_balance"
    assert f.settle(body(payload, at_amount(req, 1_000)))["success"] is True
    assert f.balance(PAYER.address) == 0


def exact_case(**kw: Any) -> tuple[PaymentPayload, Any]:
    return signed(exact_requirements(), **kw), exact_requirements()


def upto_permit(**changes: Any) -> PaymentPayload:
    """An upto payload whose signed fields are changed before signing (so the signature itself is valid)."""
    req = upto_requirements()
    fields: dict[str, Any] = {
        "owner": PAYER.address, "token": FUJI.asset, "amount": MAX, "spender": UPTO_PROXY_ADDRESS, "nonce": 5,
        "deadline": NOW + 300, "to": PAY_TO, "facilitator": FACILITATOR_KEY.address, "valid_after": 0,
    }
    permit = PermitWitnessTransfer(**{**fields, **changes})
    return PaymentPayload(accepted=req, payload=upto_to_wire(permit, sign_permit2(permit, FUJI.chain_id, PAYER)))


def retarget(payload: PaymentPayload, **update: Any) -> PaymentPayload:
    return payload.model_copy(update={"accepted": payload.accepted.model_copy(update=update)})


def forged_signer_exact() -> tuple[PaymentPayload, Any]:
    payload, req = exact_case(account=STRANGER)
    wire = payload.wire()
    wire["payload"]["authorization"]["from"] = PAYER.address  # claims PAYER, signed by STRANGER
    return PaymentPayload.model_validate(wire), req


EXACT_FAILURES = {
    "wrong payTo": (lambda: (signed(exact_requirements(pay_to=OTHER_PAY_TO)), exact_requirements()),
                    "invalid_exact_evm_payload_recipient_mismatch"),
    "value below amount": (lambda: (signed(exact_requirements(PRICE - 1)), exact_requirements()),
                           "invalid_exact_evm_payload_authorization_value_mismatch"),
    "value above amount": (lambda: (signed(exact_requirements(PRICE + 1)), exact_requirements()),
                           "invalid_exact_evm_payload_authorization_value_mismatch"),
    "expired": (lambda: exact_case(valid_before=NOW + 5), "invalid_exact_evm_payload_authorization_valid_before"),
    "not yet valid": (lambda: exact_case(valid_after=NOW + 1), "invalid_exact_evm_payload_authorization_valid_after"),
    "wrong signer": (forged_signer_exact, "invalid_exact_evm_payload_signature"),
    "insufficient balance": (lambda: (signed(exact_requirements(FUNDS + 1)), exact_requirements(FUNDS + 1)),
                             "insufficient_funds"),
    "unknown scheme": (lambda: (retarget(signed(exact_requirements()), scheme="batch-settlement"),
                                exact_requirements().model_copy(update={"scheme": "batch-settlement"})),
                       "unsupported_scheme"),
    "accepted scheme differs": (lambda: (retarget(signed(exact_requirements()), scheme="upto"), exact_requirements()),
                                "invalid_scheme"),
    "accepted network differs": (lambda: (retarget(signed(exact_requirements()), network=C_CHAIN.id),
                                          exact_requirements()), "network_mismatch"),
    "unsupported network": (lambda: (retarget(signed(exact_requirements()), network="eip155:8453"),
                                     exact_requirements().model_copy(update={"network": "eip155:8453"})),
                            "invalid_network"),
    "signed for another chain": (lambda: (retarget(signed(exact_requirements(network=C_CHAIN)), network=FUJI.id),
                                          exact_requirements()), "invalid_exact_evm_payload_signature"),
    "another asset": (lambda: (signed(exact_requirements()),
                               exact_requirements().model_copy(update={"asset": C_CHAIN.pay_to})),
                      "invalid_payment_requirements"),
    "wrong token name": (lambda: (signed(exact_requirements()), exact_requirements().model_copy(
        update={"extra": {"name": "USDC", "version": "2"}})), "invalid_exact_evm_token_name_mismatch"),
    "wrong token version": (lambda: (signed(exact_requirements()), exact_requirements().model_copy(
        update={"extra": {"name": "USD Coin", "version": "1"}})), "invalid_exact_evm_token_version_mismatch"),
    "no token domain": (lambda: (signed(exact_requirements()), exact_requirements().model_copy(update={"extra": {}})),
                        "missing_eip712_domain"),
}

UPTO_FAILURES = {
    "wrong payTo": (lambda: upto_permit(to=OTHER_PAY_TO), "invalid_permit2_recipient_mismatch"),
    "expired": (lambda: upto_permit(deadline=NOW + 5), "permit2_deadline_expired"),
    "not yet valid": (lambda: upto_permit(valid_after=NOW + 1), "permit2_not_yet_valid"),
    "wrong spender": (lambda: upto_permit(spender=OTHER_PAY_TO), "invalid_permit2_spender"),
    "another facilitator": (lambda: upto_permit(facilitator=STRANGER.address), "upto_facilitator_mismatch"),
    "another token": (lambda: upto_permit(token=C_CHAIN.pay_to), "permit2_token_mismatch"),
    "insufficient balance": (lambda: upto_permit(amount=FUNDS + 1), "permit2_insufficient_balance"),
    "accepted scheme differs": (lambda: retarget(upto_permit(), scheme="exact"), "invalid_upto_evm_scheme"),
    "accepted network differs": (lambda: retarget(upto_permit(), network=C_CHAIN.id),
                                 "invalid_upto_evm_network_mismatch"),
}


@pytest.mark.parametrize("case", EXACT_FAILURES)
def test_exact_refusals(case):
    make, reason = EXACT_FAILURES[case]
    payload, req = make()
    assert_refused(facilitator(), body(payload, req), reason)


@pytest.mark.parametrize("case", UPTO_FAILURES)
def test_upto_refusals(case):
    make, reason = UPTO_FAILURES[case]
    payload = make()
    req = upto_requirements(FUNDS + 1) if case == "insufficient balance" else upto_requirements()
    assert_refused(facilitator(), body(payload, req), reason)


def test_upto_permitted_below_the_max_fails_verify_and_cannot_settle_the_max():
    f = facilitator()
    b = body(upto_permit(amount=MAX - 1), upto_requirements())
    assert f.verify(b)["invalidReason"] == "permit2_amount_mismatch"
    # At settle the requirement's amount is the charge; it is checked against what was permitted.
    assert f.settle(b)["errorReason"] == "invalid_upto_evm_payload_settlement_exceeds_amount"
    assert balances(f) == (FUNDS, 0)


def test_upto_wrong_signer():
    payload = upto_permit()
    wire = payload.wire()
    wire["payload"]["permit2Authorization"]["from"] = STRANGER.address
    assert_refused(facilitator(), {**body(payload, upto_requirements()), "paymentPayload": wire},
                   "invalid_permit2_signature", payer=STRANGER.address)


def assert_refused(f: EmbeddedFacilitator, b: dict[str, Any], reason: str, payer: str = PAYER.address) -> None:
    verdict = f.verify(b)
    assert (verdict["isValid"], verdict.get("invalidReason")) == (False, reason)
    VerifyResponse.model_validate(verdict)
    settled = f.settle(b)
    assert (settled["success"], settled.get("errorReason"), settled["transaction"]) == (False, reason, "")
    assert "amount" not in settled
    if "payer" in verdict:
        assert verdict["payer"] == settled["payer"] == payer
    assert balances(f) == (FUNDS, 0)


def test_a_refused_settle_leaves_the_nonce_unspent():
    f = facilitator(funds=PRICE - 1)
    req = exact_requirements()
    b = body(signed(req), req)
    assert f.settle(b)["errorReason"] == "insufficient_funds"
    f.fund(PAYER.address, 1)
    assert f.settle(b)["success"] is True
    assert balances(f) == (0, PRICE)


def test_time_window_edges_use_the_injected_clock():
    clock = Clock()
    f = facilitator(clock=clock)
    req = exact_requirements()
    b = body(signed(req, valid_after=NOW + 10, valid_before=NOW + 100), req)
    assert f.verify(b)["invalidReason"] == "invalid_exact_evm_payload_authorization_valid_after"
    clock.now = NOW + 10
    assert f.verify(b)["isValid"] is True
    clock.now = NOW + 94
    assert f.verify(b)["isValid"] is True
    clock.now = NOW + 95
    assert f.verify(b)["invalidReason"] == "invalid_exact_evm_payload_authorization_valid_before"
    assert f.settle(b)["errorReason"] == "invalid_exact_evm_payload_authorization_valid_before"


@pytest.mark.parametrize(
    ("make_body", "reason"),
    [
        (lambda b: None, "invalid_payload"),
        (lambda b: [b], "invalid_payload"),
        (lambda b: {**b, "x402Version": 1}, "invalid_x402_version"),
        (lambda b: {**b, "x402Version": "2"}, "invalid_x402_version"),
        (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "x402Version": 1}}, "invalid_x402_version"),
        (lambda b: {**b, "unexpected": True}, "invalid_payload"),
        (lambda b: {k: v for k, v in b.items() if k != "paymentPayload"}, "invalid_payload"),
        (lambda b: {**b, "paymentRequirements": {**b["paymentRequirements"], "amount": "1.5"}},
         "invalid_payment_requirements"),
        (lambda b: {**b, "paymentRequirements": {**b["paymentRequirements"], "extra": []}},
         "invalid_payment_requirements"),
        (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "payload": {"signature": "0x00"}}}, "invalid_payload"),
        (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "payload": {
            **b["paymentPayload"]["payload"], "signature": "zz"}}}, "invalid_payload"),
        (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "payload": {
            "signature": b["paymentPayload"]["payload"]["signature"],
            "authorization": {**b["paymentPayload"]["payload"]["authorization"], "value": "-1"}}}}, "invalid_payload"),
        (lambda b: {**b, "paymentPayload": {**b["paymentPayload"], "payload": {
            "signature": b["paymentPayload"]["payload"]["signature"],
            "authorization": {**b["paymentPayload"]["payload"]["authorization"], "nonce": "0x12"}}}}, "invalid_payload"),
    ],
)
def test_malformed_bodies_get_a_response_not_an_exception(make_body, reason):
    f = facilitator()
    req = exact_requirements()
    b = make_body(body(signed(req), req))
    verdict = f.verify(b)
    assert (verdict["isValid"], verdict["invalidReason"]) == (False, reason)
    settled = f.settle(b)
    assert (settled["success"], settled["errorReason"]) == (False, reason)
    assert isinstance(settled["network"], str)
    assert balances(f) == (FUNDS, 0)


def test_a_pydantic_refusal_explains_itself():
    f = facilitator()
    req = exact_requirements()
    b = body(signed(req), req)
    b["paymentRequirements"]["amount"] = "ten"
    verdict = f.verify(b)
    assert verdict["invalidMessage"].startswith("paymentRequirements.amount: String should match pattern")


def test_upto_nonce_may_be_hex_on_the_wire():
    f = facilitator()
    req = upto_requirements()
    payload = signed(req, nonce=0xABC)
    wire = payload.wire()
    wire["payload"]["permit2Authorization"]["nonce"] = "0xabc"
    b = {**body(payload, req), "paymentPayload": wire}
    assert f.verify(b)["isValid"] is True
    settled = f.settle(b)
    assert settled["success"] is True
    # The decimal spelling is the same nonce: the same settlement (its first outcome), nothing moved twice
    assert f.settle(body(payload, req))["transaction"] == settled["transaction"]
    assert f.settle(body(payload, at_amount(req, 1)))["errorReason"] == "permit2_invalid_nonce"


def test_exact_and_upto_nonces_live_in_different_spaces():
    f = facilitator()
    assert f.settle(body(signed(exact_requirements(), nonce=9), exact_requirements()))["success"]
    assert f.settle(body(signed(upto_requirements(), nonce=9), at_amount(upto_requirements(), 5)))["success"]


def test_concurrent_settles_of_one_nonce_on_two_connections_move_money_once(tmp_path):
    path = str(tmp_path / "ledger.sqlite")
    first, second = facilitator(path), facilitator(path, funds=0)
    req = exact_requirements()
    b = body(signed(req), req)
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(4)

    def run(f: EmbeddedFacilitator) -> None:
        barrier.wait()
        results.append(f.settle(b))

    threads = [threading.Thread(target=run, args=(f,)) for f in (first, second, first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r["success"] for r in results)  # one settled it; the twins get its outcome
    assert len({r["transaction"] for r in results}) == 1
    assert balances(first) == balances(second) == (FUNDS - PRICE, PRICE)


def test_concurrent_settles_of_one_nonce_in_separate_processes_move_money_once(tmp_path):
    path = str(tmp_path / "ledger.sqlite")
    f = facilitator(path)
    req = exact_requirements()
    b = body(signed(req), req)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(3, mp_context=context) as pool:
        start = manager.Event()
        futures = [pool.submit(settle_in_another_process, path, b, start) for _ in range(3)]
        start.set()
        results = [future.result(timeout=60) for future in futures]
    assert all(r["success"] for r in results) and len({r["transaction"] for r in results}) == 1
    assert balances(f) == (FUNDS - PRICE, PRICE)


def test_concurrent_settles_of_distinct_nonces_never_overdraw(tmp_path):
    path = str(tmp_path / "ledger.sqlite")
    instances = [facilitator(path, funds=PRICE * 3), facilitator(path, funds=0)]
    req = exact_requirements()
    bodies = [body(signed(req), req) for _ in range(8)]
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(len(bodies))

    def run(i: int) -> None:
        barrier.wait()
        results.append(instances[i % 2].settle(bodies[i]))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["success"] for r in results) == 3
    assert {r.get("errorReason") for r in results if not r["success"]} == {"insufficient_funds"}
    assert balances(instances[0]) == (0, PRICE * 3)


def test_fund_and_balance():
    f = facilitator(funds=0)
    assert f.fund(PAYER.address.lower(), 5) == 5
    assert f.fund(PAYER.address, 7, network=C_CHAIN.id) == 7
    assert (f.balance(PAYER.address), f.balance(PAYER.address, C_CHAIN.id)) == (5, 7)
    with pytest.raises(ValueError, match="unknown network"):
        f.fund(PAYER.address, 1, network="eip155:1")
    with pytest.raises(ValueError, match="outside"):
        f.fund(PAYER.address, -1)
    with pytest.raises(TypeError):
        f.fund(PAYER.address, 1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="address"):
        f.balance("0x1234")
    assert f.balance(PAYER.address) == 5


def test_supported_and_chains():
    f = facilitator()
    supported = SupportedResponse.model_validate(f.supported())
    kinds = {(k.scheme, k.network): k.extra for k in supported.kinds}
    assert kinds == {
        ("exact", FUJI.id): None, ("upto", FUJI.id): {"facilitatorAddress": FACILITATOR_KEY.address},
        ("exact", C_CHAIN.id): None, ("upto", C_CHAIN.id): {"facilitatorAddress": FACILITATOR_KEY.address},
    }
    assert all(k.x402_version == 2 for k in supported.kinds)
    assert supported.signers == {"eip155:*": [FACILITATOR_KEY.address]}
    chains = f.chains()
    assert chains["defaultChainId"] == 43113
    fuji = next(c for c in chains["chains"] if c["chainId"] == 43113)
    assert fuji == {
        "chainId": 43113, "name": "Avalanche Fuji", "network": "eip155:43113", "isTestnet": True,
        "usdcAddress": FUJI.asset, "x402UptoPermit2Proxy": UPTO_PROXY_ADDRESS, "schemes": ["exact", "upto"],
        "asset": "USDC", "decimals": 6,
    }
    assert next(c for c in chains["chains"] if c["chainId"] == 43114)["isTestnet"] is False


def test_unexpected_errors_become_responses(caplog):
    f = facilitator()
    req = exact_requirements()
    b = body(signed(req), req)
    f.close()  # every ledger call now raises sqlite3.ProgrammingError
    assert f.verify(b) == {"isValid": False, "invalidReason": "unexpected_verify_error"}
    assert f.settle(b) == {"success": False, "errorReason": "unexpected_settle_error", "transaction": "",
                           "network": FUJI.id}
    assert "unexpected error in settle" in caplog.text


def test_upto_settle_with_an_unreadable_payload_is_invalid_payload():
    f = facilitator()
    req = upto_requirements()
    wire = signed(req).wire()
    wire["payload"]["permit2Authorization"]["permitted"] = "all of it"
    settled = f.settle({**body(signed(req), req), "paymentPayload": wire})
    assert (settled["success"], settled["errorReason"]) == (False, "invalid_payload")


def test_amounts_beyond_any_balance_are_insufficient_not_errors():
    f = facilitator()
    huge = 2**200
    req = exact_requirements(huge)
    b = body(signed(req), req)
    assert f.verify(b)["invalidReason"] == "insufficient_funds"
    assert f.settle(b)["errorReason"] == "insufficient_funds"
    upto = upto_requirements(2**256 - 1)
    payload = signed(upto)
    assert f.verify(body(payload, upto))["invalidReason"] == "permit2_insufficient_balance"
    assert f.settle(body(payload, at_amount(upto, 2**70)))["errorReason"] == "permit2_insufficient_balance"
    assert balances(f) == (FUNDS, 0)


def test_a_uint256_overflow_in_the_payload_is_invalid():
    f = facilitator()
    req = exact_requirements()
    wire = signed(req).wire()
    wire["payload"]["authorization"]["validBefore"] = str(2**256)
    assert f.verify({**body(signed(req), req), "paymentPayload": wire})["invalidReason"] == "invalid_payload"


def test_a_balance_cannot_overflow_the_ledger():
    f = facilitator(funds=0)
    f.fund(PAY_TO, 2**63 - 1)
    with pytest.raises(ValueError, match="overflow"):
        f.fund(PAY_TO, 1)
    with pytest.raises(ValueError, match="outside"):
        f.fund(PAY_TO, 2**63)
    assert f.balance(PAY_TO) == 2**63 - 1


def test_a_facilitator_needs_a_network():
    with pytest.raises(ValueError, match="at least one network"):
        EmbeddedFacilitator(":memory:", FACILITATOR_KEY, networks={})
    only_c_chain = EmbeddedFacilitator(":memory:", FACILITATOR_KEY, networks={C_CHAIN.id: C_CHAIN})
    OPENED.append(only_c_chain)
    assert only_c_chain.chains()["defaultChainId"] == 43114


@settings(deadline=None, max_examples=25)
@given(charges=st.lists(st.integers(0, MAX + 2), min_size=1, max_size=5), funds=st.integers(0, 3 * MAX))
def test_upto_settles_conserve_money_and_never_exceed_the_max(charges, funds):
    f = facilitator(funds=funds)
    req = upto_requirements()
    for nonce, charge in enumerate(charges):
        before = f.balance(PAYER.address)
        result = f.settle(body(signed(req, nonce=nonce), at_amount(req, charge)))
        if charge > MAX:
            assert result["errorReason"] == "invalid_upto_evm_payload_settlement_exceeds_amount"
        elif charge > before:
            assert result["errorReason"] == "permit2_insufficient_balance"
        else:
            assert (result["success"], result["amount"]) == (True, str(charge))
        spent = charge if result["success"] else 0
        assert f.balance(PAYER.address) == before - spent
        assert f.balance(PAYER.address) + f.balance(PAY_TO) == funds
