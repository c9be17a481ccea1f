"""What a compat test checks once its calls are done: the ledger's account of them (Account.settled), and what
their usage, as the library reports it, is priced at (charge)."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import orjson

import pricing

CHAT_MODEL = "gpt-4.1"
EMBEDDING_MODEL = "text-embedding-3-small"


class Settlement(NamedTuple):
    action: str
    model: str
    amount: int
    receipt: dict[str, Any]


def charge(prompt_tokens: int, completion_tokens: int | None = None, model: str = CHAT_MODEL) -> int:
    """What usage the library reported is priced at (atomic USDC): the amount its call must have settled."""
    usage = {"input_tokens": prompt_tokens}
    if completion_tokens is not None:
        usage["output_tokens"] = completion_tokens
    return pricing.price(model, usage, at=datetime.now(UTC)).final_amount


@dataclass
class Account:
    """A Compose Key on one route family of the live gateway."""

    base: str
    family: str
    token: str
    key_id: str
    db: Path
    admin: str

    @property
    def url(self) -> str:
        """The base URL a client library is given: `…/external/v1` or `…/v1`."""
        return self.base + self.family

    @property
    def native(self) -> bool:
        return self.family == "/v1"

    def record(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.base}/api/keys/{self.key_id}", headers={"authorization": f"Bearer {self.admin}"})
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        return document

    def settled(self, calls: int) -> list[Settlement]:
        """The key's `calls` paid calls, oldest first, once nothing is held: each settled from measured usage (not
        estimated: a stream the library cut short would be), its receipt's amount the settled one, and the key's
        used amount exactly their sum."""
        deadline = time.monotonic() + 10
        while (record := self.record())["budgetReserved"] != "0":  # a stream's settlement may trail its [DONE]
            assert time.monotonic() < deadline, f"a hold was left open: {record}"
            time.sleep(0.05)
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT state, estimated, reason, action, model, settled, receipt FROM intents "
                              "WHERE key_id = ? ORDER BY created_at, rowid", (self.key_id,)).fetchall()
        assert len(rows) == calls, [row[:5] for row in rows]
        out = []
        for state, estimated, reason, action, model, amount, receipt in rows:
            assert (state, estimated) == ("settled", 0), (action, state, reason)
            stored = orjson.loads(receipt)
            assert stored["final_amount_wei"] == str(amount) and "estimated" not in stored
            out.append(Settlement(action, model, amount, stored))
        assert int(record["budgetUsed"]) == sum(s.amount for s in out) > 0
        return out

    def amounts(self, calls: int) -> list[int]:
        return [s.amount for s in self.settled(calls)]
