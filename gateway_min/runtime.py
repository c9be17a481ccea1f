"""Agent and workflow runtime routes, paid per call with a Compose Key or with raw x402.

`POST /agent/{wallet}/chat | /stream | /responses` and `POST /workflow/execute` are proxied to the runtime
(runtime_upstream.py) and metered from the usage it returns (runtime_meter.py). The runtime's cost is unknown before
it runs, so the cap is the client's `x-x402-max-amount-wei`, or DEFAULT_CAP when it names none (on the 402 challenge
and on the paid retry alike, so both agree): a Compose Key holds min(cap, available budget) on the key; raw x402 is
`upto` at the cap (at least MIN_CAP). The runtime is told the cap (`x-compose-max-amount-wei`) and must keep its
work within it: settlement is min(metered, cap). An answer whose usage cannot be priced, or a stream that ends
without its terminal event (client gone, runtime broken), settles the cap, marked estimated: the work was done and
its cost is unknown, so it is never free. Raw x402 work is cut before the authorization expires. Receipts go under
`receipt` in JSON bodies (snake_case) and in `compose.receipt` on streams.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Final, Protocol

import orjson

from gateway_min import paid, receipts, settlement, x402_offer, x402_payment
from gateway_min.admission import ledger_http_error, moment
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_bytes
from gateway_min.keys import bearer, budget_headers, check_chain, key_for_token
from gateway_min.ledger import BudgetExhausted, Hold, IntentRow, KeyRow, LedgerError, Reservation
from gateway_min.router import Router
from gateway_min.runtime_meter import TERMINAL, Unmetered, agent_charge, workflow_charge
from gateway_min.runtime_upstream import Runtime
from gateway_min.sse import SseEvents, is_done, speaks_for_compose, sse_data
from gateway_min.streaming import DEADLINE_CUT, DONE, error_event, relay_sse
from gateway_min.types import Receive, Send
from gateway_min.upstream import UpstreamReply
from gateway_min.x402.checks import UPTO
from gateway_min.x402_payment import Metered, Payment

log = logging.getLogger("gateway_min")
DEFAULT_CAP: Final = 1_000_000  # $1.00, the docs' example cap
MIN_CAP: Final = 1_000  # $0.001: below it no agent run can be paid for
FORWARDED: Final = ("x-session-user-address", "x-chain-id", "x-compose-run-id", "x-run-id", "x-request-id")
_WALLET: Final = re.compile(r"0x[0-9a-fA-F]{40}")


def add_routes(router: Router, gw: Gateway) -> None:
    for action in ("chat", "stream", "responses"):
        router.add("POST", f"/agent/{{wallet}}/{action}", partial(handle, gw, action=action))
    router.add("POST", "/workflow/execute", partial(handle, gw, action="execute"))


class _Payer(Protocol):
    maximum: int
    headers: dict[str, str]
    deadline: float | None  # event-loop time the work must end by (raw x402: before the authorization expires)

    async def abort(self, reason: str) -> None: ...

    async def finish(self, metered: Metered) -> tuple[dict[str, Any], dict[str, str], bytes]:
        """Settle; (snake_case receipt, response headers, the SSE tail). HTTPError when no money moved."""
        ...


@dataclass
class _KeyPayer:
    gw: Gateway
    reservation: Reservation
    maximum: int
    headers: dict[str, str] = field(default_factory=dict)
    deadline: float | None = None  # the hold's TTL: an expired hold settles as a late settle (ledger.ops)

    @classmethod
    async def open(cls, gw: Gateway, request: Request, cap: int, service: str, action: str, ident: str,
                   stream: bool) -> _KeyPayer:
        key = await key_for_token(gw, bearer(request), fresh=False)
        check_chain(request, key)
        ttl = gw.stream_ttl_ms if stream else gw.intent_ttl_ms
        run_id = request.headers.get("x-compose-run-id") or request.headers.get("x-run-id")

        async def reserve(current: KeyRow) -> Reservation:
            amount = min(cap, current.available)
            if amount < 1:
                raise BudgetExhausted("Compose key budget exhausted", current)
            hold = Hold(key.id, amount, ttl, None, None, service, action, request.path, ident, run_id)
            return await gw.ledger.reserve(hold, dispatched=True)

        try:
            try:
                reservation = await reserve(key)
            except BudgetExhausted as exhausted:  # the cached key was stale: once more with the live budget
                reservation = await reserve(exhausted.key)
        except LedgerError as exc:
            raise ledger_http_error(exc) from None
        headers = {"x-payment-intent-id": reservation.intent.id, **budget_headers(reservation.key)}
        return cls(gw, reservation, reservation.intent.amount, headers)

    async def abort(self, reason: str) -> None:
        await settlement.abort(self.gw, self.reservation, reason)

    async def finish(self, metered: Metered) -> tuple[dict[str, Any], dict[str, str], bytes]:
        final = min(metered.amount, self.maximum)
        uncollected = metered.charge.final_amount - final if metered.charge is not None else 0
        network = f"eip155:{self.reservation.key.chain_id}"

        def receipt(row: IntentRow) -> dict[str, Any]:
            return receipts.build(row, metered.charge, network, estimated=metered.estimated, reason=metered.reason)

        resolution = await asyncio.shield(self.gw.ledger.settle(self.reservation.intent.id, final, uncollected,
                                                                receipt, estimated=metered.estimated))
        stored: dict[str, Any] = orjson.loads(resolution.intent.receipt or "{}")
        headers = {**self.headers, **budget_headers(resolution.key), "x-compose-receipt": receipts.header(stored),
                   "x-compose-key-final-amount-wei": str(resolution.intent.settled or 0)}
        return stored, headers, receipts.sse_event(stored)


@dataclass
class _X402Payer:
    gw: Gateway
    payment: Payment
    subject: str
    maximum: int
    deadline: float | None
    streamed: bool
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def open(cls, gw: Gateway, request: Request, cap: int, stream: bool, subject: str) -> _X402Payer:
        found = await x402_offer.kinds(gw)
        network = x402_offer.network_for(request, found)
        offer = x402_offer.offer(request, found, UPTO, network, cap, timeout=x402_offer.timeout_seconds(gw, stream),
                                   description=f"Compose.Market AI agent runtime: {subject}",
                                   mime_type="text/event-stream" if stream else "application/json")
        payment = await x402_payment.admit(gw, request, offer, stream)
        return cls(gw, payment, subject, payment.maximum, payment.deadline, stream)

    async def abort(self, reason: str) -> None:
        await x402_payment.release(self.gw, self.payment)

    async def finish(self, metered: Metered) -> tuple[dict[str, Any], dict[str, str], bytes]:
        result, receipt = await asyncio.shield(x402_payment.complete(self.gw, self.payment, metered, self.subject,
                                                                     streamed=self.streamed))
        return receipt, {**self.headers, **x402_payment.paid_headers(result, receipt)}, \
            x402_payment.sse_receipt(result, receipt)


def meter(service: str, subject: str, maximum: int, at: datetime, document: Any, missing: str = "", *,
          from_stream: bool = False) -> Metered:
    """The metered charge capped at `maximum`; the cap itself, marked estimated, when the answer cannot be priced
    (`missing`: why a stream has no terminal event). An `error` terminal event (`from_stream`) without usage
    is a run that failed before using anything: 0. Not a JSON answer that calls itself an error, nor anything that
    reports usage: the work may have been done. `at`: the gateway's clock, which picks the price set in force."""
    if from_stream and isinstance(document, dict) and document.get("type") == "error" and \
            document.keys().isdisjoint({"usage", "usageRecords"}):
        return Metered(None, 0, False, "the runtime reported an error and no usage: not charged")
    try:
        charge = workflow_charge(document, subject, at) if service == "workflow" else agent_charge(document, at)
    except Unmetered as exc:
        why = missing or f"not metered: {exc}"
        log.warning("runtime answer for %s settles the cap %d (%s)", subject, maximum, why)
        return Metered(None, maximum, True, f"{why}: settled the cap")
    return Metered(charge, min(charge.final_amount, maximum))


def _ident(body: dict[str, Any]) -> str:
    for name in ("workflowWallet", "walletAddress", "workflowId"):
        if isinstance(body.get(name), str) and body[name]:
            return str(body[name])[:128]
    return "execute"


async def handle(gw: Gateway, request: Request, send: Send, *, action: str) -> None:
    wallet = request.params.get("wallet")
    if wallet is not None and not _WALLET.fullmatch(wallet):
        raise HTTPError(400, "validation_error", f"the agent wallet must be 0x and 40 hex digits, got {wallet!r}")
    body = await request.json()
    runtime = gw.runtime
    if runtime is None:
        raise HTTPError(503, "runtime_unavailable", "no agent runtime is configured on this gateway (--runtime-url)")
    cap = x402_offer.client_cap(request, body) or DEFAULT_CAP
    if cap < MIN_CAP:
        raise HTTPError(400, "validation_error", f"{x402_offer.CAP_HEADER} {cap} is below the least an agent run can "
                        f"be paid with ({MIN_CAP})")
    stream = action == "stream"
    service, ident = ("agent", wallet.lower()) if wallet is not None else ("workflow", _ident(body))
    subject = f"{service}:{ident}"
    payer: _Payer
    if paid.pays_with_compose_key(request):
        payer = await _KeyPayer.open(gw, request, cap, service, action, ident, stream)
    else:
        payer = await _X402Payer.open(gw, request, cap, stream, subject)
    reply = await _call(runtime, request, body, payer, stream)
    if stream and reply.content_type.startswith("text/event-stream"):
        await _relay(send, request.receive, reply, payer, partial(meter, service, subject, payer.maximum,
                                                                         moment(gw), from_stream=True))
        return
    # a runtime may answer a stream request with one JSON document: metered and passed on as it is
    content = await x402_payment.read_bounded(reply, payer.deadline, payer.abort, "runtime")
    try:
        document: Any = orjson.loads(content)
    except orjson.JSONDecodeError:
        document = None
    receipt, headers, _ = await payer.finish(meter(service, subject, payer.maximum, moment(gw), document))
    if isinstance(document, dict):
        document.pop("compose_receipt", None)  # a runtime's own would sit beside ours: only the gateway's counts
        document["receipt"] = receipt
        content = orjson.dumps(document)
    await send_bytes(send, reply.status, content, reply.content_type, headers)


async def _call(runtime: Runtime, request: Request, body: dict[str, Any], payer: _Payer,
                stream: bool) -> UpstreamReply:
    """The runtime's reply headers; the payment is given up (and an HTTPError raised) when there is no good one."""
    forward: dict[str, str] = {name: request.headers[name] for name in FORWARDED if name in request.headers}
    forward["x-compose-max-amount-wei"] = str(payer.maximum)
    reply = await x402_payment.bounded(runtime.send(request.path, body, forward, stream), payer.deadline,
                                       payer.abort, "runtime")
    if reply.status >= 400:
        await reply.read()
        await payer.abort(f"runtime_{reply.status}")
        error = settlement.upstream_error(reply, external=False)
        error.code, error.message = "runtime_error", error.message.replace("upstream error", "runtime error", 1)
        raise error
    return reply


async def _relay(send: Send, receive: Receive, reply: UpstreamReply, payer: _Payer,
                 metered: Callable[[Any, str], Metered]) -> None:
    """Pass the runtime's events through; its terminal event (done / stopped / error) carries the usage. A
    `[DONE]` from the runtime ends the stream and is held back until after `compose.receipt`; its `compose.*`
    events are dropped (sse.speaks_for_compose). The first terminal event is the one metered: what follows it but a
    `[DONE]` is neither relayed nor read (a runtime could otherwise report its usage, then an error without it)."""
    events = SseEvents()
    terminal: list[Any] = []
    held: list[bytes] = []
    relayed = 0  # events with data passed on: none, and a broken runtime served nothing

    def forward(chunk: bytes) -> bytes:
        nonlocal relayed
        out = []
        for event in events.feed(chunk):
            if speaks_for_compose(event):
                continue
            data = sse_data(event)
            if is_done(data):
                held.append(DONE)
                break
            if terminal:  # the run has ended: only its [DONE] is still awaited
                continue
            if data is not None:
                try:
                    document = orjson.loads(data)
                except orjson.JSONDecodeError:
                    document = None
                if isinstance(document, dict) and isinstance(document.get("type"), str) and \
                        document["type"] in TERMINAL:
                    terminal.append(document)
                relayed += 1
            out.append(event + b"\n\n")
        return b"".join(out)

    async def finish(disconnected: bool, broken: str | None) -> bytes:
        missing = "" if terminal else "client disconnected" if disconnected else \
            "stream cut at the payment deadline" if broken == DEADLINE_CUT else \
            f"runtime stream broke: {broken}" if broken else "no terminal event"
        error = b""
        if broken and not disconnected:
            code = "payment_deadline" if broken == DEADLINE_CUT else "runtime_error"
            error = error_event({"error": {"code": code, "message": broken}})
            if not relayed:  # it broke before its first event: nothing was served, nothing is charged
                await payer.abort("runtime_broken")
                return error + b"".join(held[:1])
        try:
            _, _, tail = await payer.finish(metered(terminal[-1] if terminal else None, missing))
        except HTTPError as exc:
            tail = x402_payment.sse_error(exc)
        return error + tail + b"".join(held[:1])

    await relay_sse(send, receive, reply, payer.headers, forward, finish, deadline=payer.deadline,
                    ended=lambda: bool(held))
