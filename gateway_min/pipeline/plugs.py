"""What plugs into the paid call (pipeline/call.py): a kind of work, and a way to pay for it.

A kind of work (work/model.py for the model routes, runtime/work.py for agents and workflows) knows how its request
is quoted, how it is called and how its answer or stream is measured. A way to pay (payment/compose_key,
payment/x402) knows what it holds, how it settles, and which headers and receipt it adds. The pipeline knows
neither: it runs admit → hold → call → measure → settle or abort → answer for any pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from gateway_min.http import HTTPError
from gateway_min.upstream import UpstreamReply
from pricing import Charge


class Metered(NamedTuple):
    """What to collect for served work: the measured charge (None when it could not be measured), the amount (at
    most the hold), and why it is what it is when it is not simply the measurement."""

    charge: Charge | None
    amount: int
    estimated: bool = False
    reason: str | None = None

    @property
    def uncollected(self) -> int:
        """What the measured charge came to above the amount collected: recorded, never dropped (I7)."""
        return max(0, self.charge.final_amount - self.amount) if self.charge is not None else 0


class Settled(NamedTuple):
    """A settlement as the client sees it."""

    receipt: dict[str, Any]
    """The canonical (snake_case) receipt: `compose_receipt` (or `receipt`) in native JSON bodies."""
    headers: dict[str, str]
    """Response headers: the receipt (`x-compose-receipt`, dropped on external routes), amounts, payment."""
    streamed: Callable[[], dict[str, Any]]
    """The receipt as the `compose.receipt` event that closes a native stream carries it (with what the headers
    said, gone by then): made on demand, only streams need it; the stream's meter frames it (receipt_event)."""


class StreamMeter(Protocol):
    """Measures one stream as it is relayed: the work's half of a stream."""

    def forward(self, chunk: bytes) -> bytes:
        """The bytes to pass on for an upstream chunk (b"": the end of the stream)."""
        ...

    def ended(self) -> bool:
        """The upstream said it is done: nothing after this is read."""
        ...

    def served_nothing(self, disconnected: bool, broken: str | None) -> bool:
        """Nothing was served (the stream broke or ended before its first event): nothing is charged."""
        ...

    def abort_reason(self, broken: str | None) -> str: ...

    def outcome(self, disconnected: bool, broken: str | None, maximum: int) -> Metered:
        """What the stream comes to, capped at `maximum`, once it has ended however it ended."""
        ...

    def receipt_event(self, receipt: dict[str, Any]) -> bytes:
        """The `compose.receipt` SSE event of this kind of stream, carrying `receipt` (Settled.streamed)."""
        ...

    def closing(self) -> bytes:
        """What ends the relayed stream after the gateway's own events (`data: [DONE]`, where the upstream's kind
        of stream has one)."""
        ...


class Work(Protocol):
    """A kind of paid work, admitted: its request read, checked and quoted."""

    @property
    def service(self) -> str:
        """The ledger's name for who does the work: `inference` (model routes), `agent`, `workflow`."""
        ...

    @property
    def action(self) -> str:
        ...

    @property
    def ident(self) -> str:
        """The model id, the agent's wallet or the workflow: recorded on the hold."""
        ...

    @property
    def subject(self) -> str:
        """`provider:model` or `agent:0x…`: the receipt's subject when nothing was measured."""
        ...

    @property
    def origin(self) -> str:
        """`upstream` or `runtime`: how the ledger names what failed (`upstream_unreachable`, `runtime_502` …)."""
        ...

    @property
    def who(self) -> str:
        """`provider` or `runtime`: how an error names it (`provider_unavailable` …)."""
        ...

    @property
    def stream(self) -> bool:
        ...

    @property
    def hold(self) -> int:
        """The most it may cost, platform fee included: what a way to pay holds (or offers)."""
        ...

    @property
    def exact(self) -> Charge | None:
        """Request-priced work: the exact charge, known before the call."""
        ...

    @property
    def cap(self) -> int | None:
        """The client's cap (`x-x402-max-amount-wei`)."""
        ...

    @property
    def adjustable(self) -> bool:
        """Whether `fit` can lower the hold to fit a smaller budget (a chat's output limit, a runtime's cap)."""
        ...

    @property
    def headers(self) -> dict[str, str]:
        """Headers on every answer of this work (`x-compose-public-model` …)."""
        ...

    @property
    def description(self) -> str:
        ...

    @property
    def mime_type(self) -> str | None:
        ...


    def fit(self, budget: int) -> Work:
        """The same work held at most `budget`: pricing.InsufficientBudget (with the least hold) or an HTTPError
        when it cannot be."""
        ...

    def fingerprint(self) -> str:
        """What makes two requests the same request, for idempotency: the route and the body."""
        ...

    async def call(self, maximum: int) -> UpstreamReply: ...

    def upstream_error(self, reply: UpstreamReply, external: bool) -> HTTPError: ...

    def measure(self, content: bytes, maximum: int) -> Metered: ...

    def meter_stream(self) -> StreamMeter: ...

    def answer(self, content: bytes, content_type: str, receipt: dict[str, Any]) -> bytes:
        """A native answer's body with the receipt in it (as the provider sent it when that is not possible)."""
        ...

    def answer_status(self, status: int) -> int:
        """The status of the answer, from the upstream's (a video job still running: 202)."""
        ...

    async def served(self, payer: Payer, settled: Settled) -> None:
        """Called once the work was served and settled, before its answer ends: what can be read back later (a
        Responses API response, a video job) is recorded for the paying wallet."""
        ...


class Payer(Protocol):
    """One request's payment, once its hold is made."""

    @property
    def ident(self) -> str:
        """What names this payment in logs: a Compose Key call's intent id, a raw x402 call's receipt id."""
        ...

    @property
    def maximum(self) -> int:
        """What is held: the most the settlement may collect."""
        ...

    @property
    def deadline(self) -> float | None:
        """Event-loop time the work must end by (raw x402: so that it can still be settled), or None."""
        ...

    @property
    def headers(self) -> dict[str, str]:
        """Headers on every answer once the hold is made (`x-payment-intent-id`, the budget …)."""
        ...

    @property
    def owner(self) -> str:
        """The wallet that pays (lower-case): a Compose Key's owner, a raw x402 payment's payer."""
        ...

    @property
    def intent_id(self) -> str | None:
        """The Compose Key intent of the hold (a refund goes back to it); None for raw x402."""
        ...

    def stream_headers(self, external: bool) -> dict[str, str]: ...

    async def abort(self, reason: str) -> dict[str, str]:
        """Give the hold up (nothing was served, nothing is charged); the headers that say what is left."""
        ...

    async def settle(self, metered: Metered, *, streamed: bool = False) -> Settled:
        """Collect `metered` (capped at the hold). An HTTPError when no money moved (the content already streamed
        is then not charged: `streamed`)."""
        ...

    async def settle_first(self) -> Settled | None:
        """Settle before the first byte of a stream, when the way to pay needs it (raw x402 `exact`)."""
        ...


class Payment(Protocol):
    """A way to pay, for one request: it makes the hold for an admitted work."""

    async def hold(self, work: Work) -> tuple[Work, Payer]:
        """The hold for `work` (or for the work fitted to what can be held), or the HTTPError that refuses it:
        402 when it cannot be paid, 409 for an idempotent replay. Nothing is held when it raises."""
        ...
