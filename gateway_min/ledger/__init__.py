"""The budget ledger: Compose Keys, payment intents (holds) and their journal, x402 claims.

One interface (interface.py: `Ledger`) and what it holds (model.py); the backend is chosen by the ledger's
location (`open_ledger`): a file path is the embedded SQLite ledger (sqlite/), a `postgresql://` URL the ledger on
PostgreSQL (postgres/), for several processes or machines. Schema migrations: migrations.py.
"""

from __future__ import annotations

from collections.abc import Callable

from gateway_min.ledger.interface import Ledger
from gateway_min.ledger.model import (
    MAX_AMOUNT,
    BudgetExhausted,
    ClaimRow,
    FundingRow,
    Hold,
    IntentConflict,
    IntentNotFound,
    IntentRow,
    KeyExpired,
    KeyNotFound,
    KeyRevoked,
    KeyRow,
    LedgerError,
    PaymentUsed,
    Receipt,
    Reservation,
    Resolution,
    ServedRow,
    UnpaidCollection,
    wall_clock_ms,
)

__all__ = [
    "MAX_AMOUNT",
    "BudgetExhausted",
    "ClaimRow",
    "FundingRow",
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
    "PaymentUsed",
    "Receipt",
    "Reservation",
    "Resolution",
    "ServedRow",
    "UnpaidCollection",
    "is_server",
    "open_ledger",
    "wall_clock_ms",
]


def is_server(location: str) -> bool:
    """Whether `location` names a database server (PostgreSQL) rather than a SQLite file."""
    return location.startswith(("postgresql://", "postgres://"))


def open_ledger(location: str, *, clock: Callable[[], int] = wall_clock_ms, durable_sync: str = "FULL") -> Ledger:
    """The ledger at `location`: `postgresql://user@host/db` (PostgreSQL: start it with `await ledger.start()`), a
    SQLite file path, `sqlite:///relative/path` or `sqlite:////absolute/path` (SQLAlchemy's spelling), or
    `:memory:` (tests). Each backend is imported only when chosen."""
    if is_server(location):
        from gateway_min.ledger.postgres import PostgresLedger  # noqa: PLC0415

        return PostgresLedger(location, clock=clock, durable_sync=durable_sync)
    from gateway_min.ledger.sqlite import SqliteLedger  # noqa: PLC0415

    return SqliteLedger(location.removeprefix("sqlite:///"), clock=clock, durable_sync=durable_sync)
