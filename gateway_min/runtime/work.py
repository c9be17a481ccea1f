"""The work of the agent and workflow runtime routes, paid per call with a Compose Key or with raw x402.

`POST /agent/{wallet}/chat | /stream | /responses` and `POST /workflow/execute` are proxied to the runtime
(upstream.py) and metered from the usage it returns (meter.py). The runtime's cost is unknown before it runs, so
the hold is the client's `x-x402-max-amount-wei`, or DEFAULT_CAP when it names none (on the 402 challenge and on
the paid retry alike, so both agree): a Compose Key holds min(cap, available budget); raw x402 is `upto` at the
cap (at least MIN_CAP). The runtime is told the cap (`x-compose-max-amount-wei`) and must keep its work within it:
settlement is min(metered, cap). An answer whose usage cannot be priced, or a stream that ends without its terminal
event (client gone, runtime broken), settles the cap, marked estimated: the work was done and its cost is unknown,
so it is never free. Receipts go under `receipt` in JSON bodies (snake_case) and in `compose.receipt` on streams.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import orjson

import pricing
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request
from gateway_min.http.sse import SseEvents, event_name, is_done, speaks_for_compose, sse_data
from gateway_min.payment import receipts
from gateway_min.pipeline.plugs import Metered, Payer, Settled
from gateway_min.pipeline.stream import DEADLINE_CUT, DONE
from gateway_min.runtime.meter import TERMINAL, Unmetered, agent_charge, workflow_charge
from gateway_min.runtime.upstream import Runtime
from gateway_min.upstream import UpstreamReply
from gateway_min.work.model import upstream_error
from gateway_min.work.request import CAP_HEADER, client_cap, resolve_model

log = logging.getLogger("gateway_min")
DEFAULT_CAP: Final = 1_000_000  # $1.00, the docs' example cap
MIN_CAP: Final = 1_000  # $0.001: below it no agent run can be paid for
FORWARDED: Final = ("x-session-user-address", "x-chain-id", "x-compose-run-id", "x-run-id", "x-request-id")
_WALLET: Final = re.compile(r"0x[0-9a-fA-F]{40}")
WORKFLOW_STREAMS: Final = frozenset({"workflow_chat", "workflow_stream", "workflow_run"})
WORKFLOW_TERMINAL: Final = frozenset({"result", "error"})  # a workflow stream's `event: result` carries usageRecords


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


@dataclass(frozen=True)
class RuntimeWork:
    gw: Gateway
    runtime: Runtime
    route: str
    forwarded: dict[str, str]
    body: dict[str, Any]
    service: str
    action: str
    ident: str
    stream: bool
    cap: int | None
    hold: int
    exact: None = None
    adjustable: bool = True  # the hold is a cap: any budget of at least one unit can cap a run
    origin: str = "runtime"
    who: str = "runtime"

    @property
    def subject(self) -> str:
        return f"{self.service}:{self.ident}"

    @property
    def headers(self) -> dict[str, str]:
        return {}

    @property
    def description(self) -> str:
        return f"Compose.Market AI agent runtime: {self.subject}"

    @property
    def mime_type(self) -> str:
        return "text/event-stream" if self.stream else "application/json"

    def fit(self, budget: int) -> RuntimeWork:
        if budget < 1:
            raise HTTPError(402, "payment_required", "Compose key budget exhausted")
        return dataclasses.replace(self, hold=min(self.hold, budget))

    def fingerprint(self) -> str:
        return hashlib.sha256(self.route.encode() + b"\n" +
                              orjson.dumps(self.body, option=orjson.OPT_SORT_KEYS)).hexdigest()

    async def call(self, maximum: int) -> UpstreamReply:
        headers = {**self.forwarded, "x-compose-max-amount-wei": str(maximum)}
        return await self.runtime.send(self.route, self.body, headers, self.stream)

    def upstream_error(self, reply: UpstreamReply, external: bool) -> HTTPError:
        error = upstream_error(reply, external)
        error.code, error.message = "runtime_error", error.message.replace("upstream error", "runtime error", 1)
        return error

    def measure(self, content: bytes, maximum: int) -> Metered:
        return meter(self.service, self.subject, maximum, self.gw.moment(), _document(content))

    def meter_stream(self) -> RuntimeStream:
        return RuntimeStream(self)

    def answer_status(self, status: int) -> int:
        return status

    async def served(self, payer: Payer, settled: Settled) -> None:
        return None  # a run is not read back through the gateway

    def answer(self, content: bytes, content_type: str, receipt: dict[str, Any]) -> bytes:
        document = _document(content)
        if not isinstance(document, dict):
            return content
        document.pop("compose_receipt", None)  # a runtime's own would sit beside ours: only the gateway's counts
        document["receipt"] = receipt
        return orjson.dumps(document)


def _document(content: bytes) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return None


class RuntimeStream:
    """A runtime's events passed through; its terminal event (done / stopped / error) carries the usage. A `[DONE]`
    from the runtime ends the stream and is held back until after `compose.receipt`; its `compose.*` events are
    dropped (sse.speaks_for_compose). The first terminal event is the one metered: what follows it but a `[DONE]`
    is neither relayed nor read (a runtime could otherwise report its usage, then an error without it)."""

    def __init__(self, work: RuntimeWork) -> None:
        self.work = work
        self.events = SseEvents()
        self.terminal: Any = None
        self.held = b""  # the runtime's [DONE], sent after ours
        self.relayed = 0  # events with data passed on: none, and a broken runtime served nothing
        self.workflow = work.action in WORKFLOW_STREAMS
        self.ending = self.workflow  # a workflow's `event: done` follows its result: relayed once, after it

    def forward(self, chunk: bytes) -> bytes:
        out = []
        for event in self.events.feed(chunk):
            if speaks_for_compose(event):
                continue
            data = sse_data(event)
            if is_done(data):
                self.held = DONE
                break
            if self.terminal is not None:  # the run has ended: only its [DONE] is still awaited
                if self.ending and event_name(event) == b"done":
                    self.ending = False
                    out.append(event + b"\n\n")
                continue
            if data is not None:
                document = _document(data)
                if isinstance(document, dict):
                    kind = document.get("type") if isinstance(document.get("type"), str) else \
                        event_name(event).decode("utf-8", "replace")
                    if kind in (WORKFLOW_TERMINAL if self.workflow else TERMINAL):
                        self.terminal = {**document, "type": kind}
                self.relayed += 1
            out.append(event + b"\n\n")
        return b"".join(out)

    def ended(self) -> bool:
        return bool(self.held)

    def served_nothing(self, disconnected: bool, broken: str | None) -> bool:
        """It broke before its first event: nothing was served, nothing is charged."""
        return broken is not None and not disconnected and not self.relayed

    def abort_reason(self, broken: str | None) -> str:
        return "runtime_broken"

    def receipt_event(self, receipt: dict[str, Any]) -> bytes:
        return receipts.sse_event(receipt)

    def closing(self) -> bytes:
        return self.held

    def outcome(self, disconnected: bool, broken: str | None, maximum: int) -> Metered:
        missing = "" if self.terminal is not None else "client disconnected" if disconnected else \
            "stream cut at the payment deadline" if broken == DEADLINE_CUT else \
            f"runtime stream broke: {broken}" if broken else "no terminal event"
        work = self.work
        return meter(work.service, work.subject, maximum, work.gw.moment(), self.terminal, missing, from_stream=True)


def unavailable() -> HTTPError:
    return HTTPError(503, "runtime_unavailable", "no agent runtime is configured on this gateway (--runtime-url)")


def admitting(action: str) -> Callable[[Gateway, Request], Awaitable[RuntimeWork]]:
    """The admission of one runtime route (routes/paid.py)."""
    async def admitted(gw: Gateway, request: Request) -> RuntimeWork:
        return await admit(gw, request, action)

    return admitted


async def admit(gw: Gateway, request: Request, action: str) -> RuntimeWork:
    """Read and check a runtime request: the agent's wallet, the body, a runtime to send it to, the cap."""
    wallet = request.params.get("wallet")
    workflow = action in WORKFLOW_STREAMS
    if wallet is not None and not _WALLET.fullmatch(wallet):
        raise HTTPError(400, "validation_error", f"the {'workflow' if workflow else 'agent'} wallet must be 0x and "
                        f"40 hex digits, got {wallet[:60]!r}")
    body = await request.json()
    runtime = gw.runtime
    if runtime is None:
        raise unavailable()
    if workflow and (not isinstance(body.get("message"), str) or not body["message"]):
        raise HTTPError(400, "validation_error", "`message` is required: what the workflow is asked")
    if wallet is not None and not workflow and body.get("model") is not None:
        meterable(gw, body)
    cap = client_cap(request, body)
    hold = cap or DEFAULT_CAP
    if hold < MIN_CAP:
        raise HTTPError(400, "validation_error", f"{CAP_HEADER} {hold} is below the least an agent run can be paid "
                        f"with ({MIN_CAP})")
    if wallet is None:
        service, ident = "workflow", _ident(body)
    else:
        service, ident = ("workflow" if workflow else "agent"), wallet.lower()
    forwarded: dict[str, str] = {name: request.headers[name] for name in FORWARDED if name in request.headers}
    return RuntimeWork(gw, runtime, request.path, forwarded, body, service, action, ident,
                       action == "stream" or workflow, cap, hold)


def meterable(gw: Gateway, body: dict[str, Any]) -> None:
    """An agent run that names its model is metered by that model's token prices: a model the catalog does not
    know (404), or cannot price for chat by tokens (an image, speech or embedding model: 400), is refused before
    anything is held, rather than settled at the whole cap as unmeterable work."""
    model = resolve_model(body, "chat")
    if pricing.price_set_at(model, gw.moment()).tokens is None:
        raise HTTPError(400, "unpriced", f"model '{model.id}' has no token prices: an agent run on it cannot be "
                        "metered")


def _ident(body: dict[str, Any]) -> str:
    for name in ("workflowWallet", "walletAddress", "workflowId"):
        if isinstance(body.get(name), str) and body[name]:
            return str(body[name])[:128]
    return "execute"
