"""The real app with the embedded facilitator in-process (and served over HTTP), the demo runtime, funded payers."""

from __future__ import annotations

import base64
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from eth_account.signers.local import LocalAccount

from gateway_min.payment.x402 import (
    EmbeddedFacilitator,
    LocalFacilitator,
    PaymentPayload,
    PaymentRequired,
    PaymentRequirements,
    SettleResponse,
    decode_header,
    encode_header,
    pay,
)
from gateway_min.runtime.upstream import DemoRuntime
from tests.gateway.ledger import backends
from tests.gateway.payment.x402.wallets import FACILITATOR_KEY, PAYER, STRANGER
from tests.gateway.support import ADMIN, Clock, Harness, build

__all__ = ["ADMIN", "FACILITATOR_KEY", "PAYER", "STRANGER", "X402Harness", "build_x402", "chat"]
FUNDS = 5_000_000


@dataclass
class X402Harness:
    h: Harness
    embedded: EmbeddedFacilitator
    path: Path

    @property
    def clock(self) -> Clock:
        return self.h.clock

    def client(self, base_url: str = "http://gateway.test") -> httpx.AsyncClient:
        return self.h.client(base_url)

    def now(self) -> int:
        return self.clock() // 1000

    async def fund(self, account: LocalAccount, amount: int = FUNDS) -> None:
        async with self.client() as client:
            response = await client.post("/api/x402/facilitator/fund", json={"address": account.address,
                                         "amount": amount}, headers={"authorization": f"Bearer {ADMIN}"})
        assert response.status_code == 200, response.text

    async def challenge(self, client: httpx.AsyncClient, path: str, body: dict[str, Any],
                        headers: dict[str, str] | None = None) -> PaymentRequired:
        response = await client.post(path, json=body, headers=headers or {})
        assert response.status_code == 402, response.text
        required = decode_header(response.headers["payment-required"], PaymentRequired)
        assert response.json() == required.wire()
        return required

    def sign(self, requirements: PaymentRequirements, account: LocalAccount = PAYER, **kwargs: Any) -> str:
        return encode_header(pay(account, requirements, self.now(), **kwargs))

    def balance(self, account: LocalAccount | str) -> int:
        return self.embedded.balance(account if isinstance(account, str) else account.address)

    def settlements(self) -> list[tuple[str, str, int, str]]:
        """(tx hash, payer, amount, scheme) of every transfer the facilitator's ledger made."""
        with sqlite3.connect(self.path) as conn:
            rows = conn.execute("SELECT tx_hash, payer, amount, scheme FROM settlements ORDER BY at, tx_hash").fetchall()
        conn.close()
        return [(str(a), str(b), int(c), str(d)) for a, b, c, d in rows]

    async def claims(self) -> list[tuple[str, str, int | None, str | None]]:
        """(state, scheme, settled, tx hash) of every x402 claim in the gateway ledger."""
        rows = await backends.query(self.h.ledger, "SELECT state, scheme, settled, tx_hash FROM x402_claims "
                                    "ORDER BY claimed_at")
        return [(str(a), str(b), c, d) for a, b, c, d in rows]


def build_x402(tmp: Path, provider: Any = None, *, runtime: Any = None, clock: Clock | None = None,
               backend: str = "sqlite") -> X402Harness:
    # The official SDK signs with the wall clock, so the gateway and the facilitator keep it too.
    clock = clock or Clock(int(time.time() * 1000))
    harness = build(tmp, provider, clock=clock, backend=backend)
    path = tmp / "facilitator.sqlite3"
    embedded = EmbeddedFacilitator(str(path), FACILITATOR_KEY, now=lambda: clock() // 1000)
    harness.gw.facilitator = LocalFacilitator(embedded)
    harness.gw.embedded_facilitator = embedded
    harness.gw.runtime = runtime or DemoRuntime()
    return X402Harness(harness, embedded, path)


def chat(content: str = "Hello there", **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "messages": [{"role": "user", "content": content}], "max_tokens": 64, **extra}


def payment_response(response: httpx.Response) -> SettleResponse:
    return decode_header(response.headers["payment-response"], SettleResponse)


def decode_payload(header: str) -> PaymentPayload:
    return decode_header(header, PaymentPayload)


def b64json(value: Any, *, urlsafe: bool = False, padded: bool = True) -> str:
    raw = orjson.dumps(value)
    text = (base64.urlsafe_b64encode(raw) if urlsafe else base64.b64encode(raw)).decode()
    return text if padded else text.rstrip("=")
