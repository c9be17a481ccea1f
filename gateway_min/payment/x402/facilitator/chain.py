"""A local USDC ledger in SQLite standing in for the chain: balances, spent nonces, settlements.

One connection per Ledger, guarded by a lock so worker threads can share it; writes take `BEGIN IMMEDIATE`
and WAL lets several processes share one file, with the UNIQUE nonce row as the final arbiter of a race.
"""

import sqlite3
import threading
from dataclasses import dataclass
from enum import Enum
from typing import Final

# SQLite integers are signed 64-bit; no real balance comes near, but a payload may carry any uint256.
MAX_AMOUNT: Final = (1 << 63) - 1

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS balances (
    network TEXT NOT NULL,
    address TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (typeof(amount) = 'integer' AND amount >= 0),
    PRIMARY KEY (network, address)
);
CREATE TABLE IF NOT EXISTS used_nonces (
    network TEXT NOT NULL,
    asset TEXT NOT NULL,
    payer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    at INTEGER NOT NULL,
    UNIQUE (network, asset, payer, nonce)
);
CREATE TABLE IF NOT EXISTS settlements (
    tx_hash TEXT PRIMARY KEY,
    network TEXT NOT NULL,
    payer TEXT NOT NULL,
    pay_to TEXT NOT NULL,
    amount INTEGER NOT NULL,
    scheme TEXT NOT NULL,
    at INTEGER NOT NULL
);
"""


class Refusal(Enum):
    NONCE_USED = "nonce_used"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One settlement. `asset` names the contract whose nonce space `nonce` lives in (token or Permit2)."""

    network: str
    asset: str
    payer: str
    pay_to: str
    nonce: str
    amount: int
    scheme: str
    tx_hash: str
    at: int


class Ledger:
    def __init__(self, path: str, busy_timeout: float = 10.0) -> None:
        # Autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE.
        self._conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def balance(self, network: str, address: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT amount FROM balances WHERE network = ? AND address = ?", (network, address)
            ).fetchone()
        return int(row[0]) if row else 0

    def nonce_used(self, network: str, asset: str, payer: str, nonce: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM used_nonces WHERE network = ? AND asset = ? AND payer = ? AND nonce = ?",
                (network, asset, payer, nonce),
            ).fetchone()
        return row is not None

    def settled(self, tx_hash: str) -> bool:
        """Whether the settlement `tx_hash` names has been made."""
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM settlements WHERE tx_hash = ?", (tx_hash,)).fetchone()
        return row is not None

    def credit(self, network: str, address: str, amount: int) -> int:
        if amount < 0 or amount > MAX_AMOUNT:
            raise ValueError(f"amount {amount} is outside 0..{MAX_AMOUNT}")
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._add(network, address, amount)
                row = self._conn.execute(
                    "SELECT amount FROM balances WHERE network = ? AND address = ?", (network, address)
                ).fetchone()
            except sqlite3.IntegrityError:
                self._conn.execute("ROLLBACK")
                raise ValueError("the balance would overflow") from None
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        return int(row[0])

    def settle(self, transfer: Transfer) -> Refusal | None:
        """Spend the nonce and move the amount in one transaction; nothing changes when it is refused."""
        if transfer.amount > MAX_AMOUNT:
            return Refusal.INSUFFICIENT
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                refusal = self._settle(transfer)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("ROLLBACK" if refusal else "COMMIT")
        return refusal

    def _settle(self, t: Transfer) -> Refusal | None:
        try:
            self._conn.execute(
                "INSERT INTO used_nonces (network, asset, payer, nonce, at) VALUES (?, ?, ?, ?, ?)",
                (t.network, t.asset, t.payer, t.nonce, t.at),
            )
        except sqlite3.IntegrityError:
            return Refusal.NONCE_USED
        if t.amount == 0:
            return None  # a $0 upto settle spends the authorization but moves nothing: no transaction
        debited = self._conn.execute(
            "UPDATE balances SET amount = amount - ? WHERE network = ? AND address = ? AND amount >= ?",
            (t.amount, t.network, t.payer, t.amount),
        ).rowcount
        if debited != 1:
            return Refusal.INSUFFICIENT
        self._add(t.network, t.pay_to, t.amount)
        self._conn.execute(
            "INSERT INTO settlements (tx_hash, network, payer, pay_to, amount, scheme, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (t.tx_hash, t.network, t.payer, t.pay_to, t.amount, t.scheme, t.at),
        )
        return None

    def _add(self, network: str, address: str, amount: int) -> None:
        self._conn.execute(
            "INSERT INTO balances (network, address, amount) VALUES (?, ?, ?)"
            " ON CONFLICT (network, address) DO UPDATE SET amount = amount + excluded.amount",
            (network, address, amount),
        )
