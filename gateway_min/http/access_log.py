"""The access log: one line per request, once its answer has ended (a stream's too).

    127.0.0.1:50312 "POST /v1/chat/completions" 200 3.41 ms payment=5b0c…-… amount=1263

`payment` names what paid (a Compose Key call's intent id, a raw x402 call's receipt id) and `amount` what it
was charged in USDC atomic units (0 when its hold was given up); both `-` on routes that are not paid. The paid
call notes them on the request's scope (`note`). Logged at INFO on the `gateway_min.access` logger; on by default
for the demo, `--access-log` elsewhere.
"""

from __future__ import annotations

import logging
import time
from typing import Final

from gateway_min.http.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("gateway_min.access")
NOTE: Final = "gateway_min.payment"  # the scope key the paid call writes (payment id, amount)


def note(scope: Scope, payment: str, amount: int) -> None:
    """What paid for this request and what it was charged (the latest note counts)."""
    scope[NOTE] = (payment, amount)


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            log.info('%s "%s %s" %d %.2f ms payment=%s amount=%s', f"{client[0]}:{client[1]}" if client else "-",
                     scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000, payment, amount)
