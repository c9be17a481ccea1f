"""The budget ledger: Compose Keys, payment intents (holds) and their journal, x402 claims.

One interface (interface.py: `Ledger`) and what it holds (model.py); the backend is chosen by the ledger's
location (`open_ledger`): a file path is the embedded SQLite ledger (sqlite/).
"""

from __future__ import annotations

from collections.abc import Callable

from gateway_min.ledger.interface import Ledger
from gateway_min.ledger.model import (
    MAX_AMOUNT,
    BudgetExhausted,
    ClaimRow,
    Hold,
    IntentConflict,
    IntentNotFound,
    IntentRow,
    KeyExpired,
    KeyNotFound,
    KeyRevoked,
    KeyRow,
    LedgerError,
    Receipt,
    Reservation,
    Resolution,
    wall_clock_ms,
)

__all__ = [
    "MAX_AMOUNT",
    "BudgetExhausted",
    "ClaimRow",
    "Hold",
    "IntentConflict",
    "IntentNotFound",
    "IntentRow",
    "KeyExpired",
    "KeyNotFound",
    "KeyRevoked",
    "KeyRow",
    "Ledger",
    "LedgerError",
    "Receipt",
    "Reservation",
    "Resolution",
    "open_ledger",
    "wall_clock_ms",
]


def open_ledger(location: str, *, clock: Callable[[], int] = wall_clock_ms, durable_sync: str = "FULL") -> Ledger:
    """The ledger at `location`: a SQLite file path, `sqlite:///relative/path` or `sqlite:////absolute/path`
    (SQLAlchemy's spelling), or `:memory:` (tests)."""
    from gateway_min.ledger.sqlite import SqliteLedger  # noqa: PLC0415 - a backend is loaded only when chosen

    path = location.removeprefix("sqlite:///")
    return SqliteLedger(path, clock=clock, durable_sync=durable_sync)
