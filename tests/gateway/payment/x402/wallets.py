"""Shared test keys, clock and builders. Keys are Anvil's public development keys; never fund them on a real chain."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from gateway_min.payment.x402.facilitator import EmbeddedFacilitator
from gateway_min.payment.x402.protocol.models import PaymentPayload, PaymentRequirements
from gateway_min.payment.x402.protocol.requirements import build_requirements
from gateway_min.payment.x402.protocol.wallet import pay
from generated.catalog import NETWORKS

PAYER: LocalAccount = Account.from_key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
FACILITATOR_KEY: LocalAccount = Account.from_key("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
STRANGER: LocalAccount = Account.from_key("0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a")
FUJI = NETWORKS["eip155:43113"]
C_CHAIN = NETWORKS["eip155:43114"]
PAY_TO = FUJI.pay_to
OTHER_PAY_TO = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
NOW = 1_750_000_000
PRICE = 10_000  # $0.01
MAX = 500_000  # $0.50 upto cap
FUNDS = 1_000_000


class Clock:
    def __init__(self, now: int = NOW) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


# Every facilitator a test opens; conftest closes them after each test (Python 3.13 warns on unclosed SQLite).
OPENED: list[EmbeddedFacilitator] = []


def facilitator(path: str = ":memory:", clock: Clock | None = None, funds: int = FUNDS) -> EmbeddedFacilitator:
    f = EmbeddedFacilitator(path, FACILITATOR_KEY, now=clock or Clock())
    OPENED.append(f)
    if funds:
        f.fund(PAYER.address, funds)
    return f


def exact_requirements(amount: int = PRICE, network: Any = FUJI, pay_to: str = PAY_TO) -> PaymentRequirements:
    return build_requirements("exact", network, amount, pay_to, None)


def upto_requirements(amount: int = MAX, network: Any = FUJI, pay_to: str = PAY_TO) -> PaymentRequirements:
    return build_requirements("upto", network, amount, pay_to, {"facilitatorAddress": FACILITATOR_KEY.address})


def body(payload: PaymentPayload, requirements: PaymentRequirements) -> dict[str, Any]:
    return {"x402Version": 2, "paymentPayload": payload.wire(), "paymentRequirements": requirements.wire()}


def signed(requirements: PaymentRequirements, account: LocalAccount = PAYER, **kwargs: Any) -> PaymentPayload:
    return pay(account, requirements, NOW, **kwargs)


def at_amount(requirements: PaymentRequirements, amount: int) -> PaymentRequirements:
    return requirements.model_copy(update={"amount": str(amount)})


def settle_in_another_process(path: str, request: dict[str, Any], start: Any) -> dict[str, Any]:
    """Runs in a spawned process: its own interpreter, its own SQLite connection to the shared file."""
    f = EmbeddedFacilitator(path, FACILITATOR_KEY, now=Clock())
    start.wait()
    try:
        return f.settle(request)
    finally:
        f.close()
