"""The access log: one line per request, once its answer has ended (a stream's too).

    127.0.0.1:50312 "POST /v1/chat/completions" 200 3.41 ms payment=5b0c…-… amount=1263

`payment` names what paid (a Compose Key call's intent id, a raw x402 call's receipt id) and `amount` what it
was charged in USDC atomic units (0 when its hold was given up); both `-` on routes that are not paid. The paid
call notes them on the request's scope (`note`). Logged at INFO on the `gateway_min.access` logger; on by default
for the demo, `--access-log` elsewhere. `--access-log-format json` writes each line as one JSON object instead,
with the request id, ready to ship as it is:

    {"time":"2026-12-08T03:12:45.123Z","client":"127.0.0.1:50312","method":"POST","path":"/v1/chat/completions",
     "status":200,"ms":3.41,"payment":"5b0c…","amount":1263,"request_id":"req_…"}
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Final

import orjson

from gateway_min.http.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("gateway_min.access")
NOTE: Final = "gateway_min.payment"  # the scope key the paid call writes (payment id, amount)
PAID_WITH: Final = "gateway_min.paid_with"  # how: compose_key | x402 (the metrics' payment label)


def note(scope: Scope, payment: str, amount: int) -> None:
    """What paid for this request and what it was charged (the latest note counts)."""
    scope[NOTE] = (payment, amount)


class AccessLog:
    def __init__(self, app: ASGIApp, *, as_json: bool = False) -> None:
        self.app = app
        self.as_json = as_json

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            client = scope.get("client")
            payment, amount = scope.get(NOTE, ("-", "-"))
            elapsed = (time.perf_counter() - started) * 1000
            where = f"{client[0]}:{client[1]}" if client else "-"
            if self.as_json:
                log.info("%s", orjson.dumps({
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "client": where, "method": scope["method"], "path": scope["path"], "status": status,
                    "ms": round(elapsed, 2), "payment": None if payment == "-" else payment,
                    "amount": None if amount == "-" else amount,
                    "request_id": scope.get("gateway_min.request_id")}).decode())
            else:
                log.info('%s "%s %s" %d %.2f ms payment=%s amount=%s', where, scope["method"], scope["path"], status,
                         elapsed, payment, amount)
