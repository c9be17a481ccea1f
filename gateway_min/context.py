"""What every handler shares: the ledger, the upstream providers, settings. Built once at start-up."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gateway_min.ledger import KeyRow, Ledger

if TYPE_CHECKING:
    from gateway_min.payment.x402.facilitator import EmbeddedFacilitator, Facilitator
    from gateway_min.runtime.upstream import Runtime
    from gateway_min.upstream import Providers


@dataclass
class Gateway:
    ledger: Ledger
    providers: Providers
    admin_token: str | None
    clock: Callable[[], int]
    """Unix milliseconds."""
    intent_ttl_ms: int = 15 * 60 * 1000
    """How long a hold lives before the sweeper expires it (a stream's: stream_ttl_ms)."""
    stream_ttl_ms: int = 60 * 60 * 1000
    token_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    """Derives session keys' tokens (tokens.session_token): the same on every process that serves one ledger."""
    instance: str = field(default_factory=lambda: secrets.token_hex(8))
    """Names this process on the leases it takes (key collections)."""
    sweep_seconds: float = 30.0
    """How often this process expires the holds past their TTL (I6); with several, each sweeps."""
    max_audio_seconds: int = 3600
    """Hold bound for transcriptions whose duration cannot be read from the upload (anything but WAV)."""
    keys: dict[str, KeyRow] = field(default_factory=dict)
    """Token hash → key, for the immutable parts (id, owner, chain, expiry); budgets and revocation are always
    checked in the ledger's conditional reserve, so a cached key can never spend what it may not."""
    extras: dict[str, Any] = field(default_factory=dict)
    tasks: set[asyncio.Future[Any]] = field(default_factory=set)
    in_flight: int = 0
    """Paid requests being served by this process (a lone request may fsync on the event loop: it blocks no one)."""
    facilitator: Facilitator | None = None
    """Raw x402 payments are accepted when set: the embedded facilitator in-process, or an HTTP one."""
    embedded_facilitator: EmbeddedFacilitator | None = None
    """Served at /api/x402/facilitator/* when set."""
    x402_kinds: dict[tuple[str, str], dict[str, Any]] | None = None
    """(scheme, network) → the extra of the facilitator's /supported kind; learned once (payment/x402/offer.py)."""
    public_url: str | None = None
    """The gateway's URL as its clients reach it (discovery documents); None: from each request's Host."""
    runtime: Runtime | None = None
    """The agent/workflow runtime behind /agent/* and /workflow/*; None answers 503."""

    def moment(self) -> datetime:
        """The gateway clock (Unix ms) as the aware datetime that picks the price set in force, on every route."""
        ms = self.clock()
        return datetime.fromtimestamp(ms // 1000, UTC).replace(microsecond=ms % 1000 * 1000)

    def background(self, work: Awaitable[Any]) -> None:
        """Run `work` without waiting for it; failures are logged, not lost."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logging.getLogger("gateway_min").error("background task failed", exc_info=task.exception())
