"""The ledger audit (`python -m gateway_min ledger check`): recompute the books from their rows and report every
inconsistency with the rows involved. The books balance when it reports nothing.

What it checks, on either backend:
- keys: `reserved` = Σ holds of authorized intents, `spent` = Σ settled − refunded of settled and expired intents
  (I2); spent + reserved ≤ budget (I1); the last journal row holds the key's counters (I2's trail);
- intents: a settled intent has its amount (≤ its hold) and its receipt, whose final amount is the ledger's;
  the receipt's line items add up to its provider amount, and provider + fee = final + uncollected (I10);
- x402 claims: a settled claim has its amount (≤ the authorized one; `exact`: equal) and a transaction; its
  receipt's final amount is the claim's; a claim that funds a key has that key's funding row;
- wallet keys' funding: a collected funding collected the key's spent, and its claim settled that amount with the
  same transaction; a failed one records all of it as uncollected;
- refunds: a refunded served job gave back its whole intent's settlement;
- with the embedded facilitator's file (`--facilitator-db`): every settled claim and every collection is a transfer
  of that amount, from that payer, under that transaction hash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

import orjson

Query = Callable[..., Awaitable[list[tuple[Any, ...]]]]
"""(SQL with $1 placeholders, *args) → rows."""


class Finding(NamedTuple):
    check: str
    """Which rule: key.reserved, key.spent, key.budget, journal, intent, receipt, claim, funding, refund,
    transfer."""
    subject: str
    """What it is about: `key <id>`, `intent <id>`, `claim <network> <payer> <nonce>`, `funding <key id>`."""
    message: str
    rows: tuple[dict[str, Any], ...]
    """The rows involved, as read."""

    def __str__(self) -> str:
        rows = "; ".join(orjson.dumps(row, default=str).decode() for row in self.rows)
        return f"{self.check}: {self.subject}: {self.message} [{rows}]"


def _rows(columns: Sequence[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


async def _select(query: Query, columns: Sequence[str], sql: str, *args: Any) -> list[dict[str, Any]]:
    return _rows(columns, await query(sql, *args))


def _json(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


async def audit(query: Query, *, transfers: dict[str, dict[str, Any]] | None = None) -> list[Finding]:
    """Every inconsistency of the books `query` reads; `transfers`: the facilitator's, by transaction hash."""
    findings: list[Finding] = []
    findings += await _keys(query)
    findings += await _intents(query)
    findings += await _claims(query, transfers)
    findings += await _fundings(query, transfers)
    findings += await _refunds(query)
    return findings


async def _keys(query: Query) -> list[Finding]:
    out = []
    keys = await _select(query, ("id", "budget", "spent", "reserved"),
                         "SELECT id, budget, spent, reserved FROM compose_keys ORDER BY id")
    sums = {row["key_id"]: row for row in await _select(
        query, ("key_id", "held", "booked"),
        "SELECT key_id, SUM(CASE WHEN state = 'authorized' THEN amount ELSE 0 END), "
        "SUM(CASE WHEN state IN ('settled', 'expired') THEN COALESCE(settled, 0) - refunded ELSE 0 END) "
        "FROM intents GROUP BY key_id")}
    last = {row["key_id"]: row for row in await _select(
        query, ("key_id", "seq", "kind", "reserved", "spent"),
        "SELECT j.key_id, j.seq, j.kind, j.reserved, j.spent FROM journal j "
        "WHERE j.seq = (SELECT MAX(seq) FROM journal WHERE key_id = j.key_id)")}
    for key in keys:
        subject = f"key {key['id']}"
        total = sums.get(key["id"], {"key_id": key["id"], "held": 0, "booked": 0})
        if int(total["held"] or 0) != key["reserved"]:
            out.append(Finding("key.reserved", subject, f"reserved is {key['reserved']}, its authorized intents hold "
                               f"{int(total['held'] or 0)}", (key, total)))
        if int(total["booked"] or 0) != key["spent"]:
            out.append(Finding("key.spent", subject, f"spent is {key['spent']}, its settled intents come to "
                               f"{int(total['booked'] or 0)}", (key, total)))
        if key["spent"] < 0 or key["reserved"] < 0 or key["spent"] + key["reserved"] > key["budget"]:
            out.append(Finding("key.budget", subject, "spent + reserved must stay within 0 and the budget", (key,)))
        entry = last.get(key["id"])
        if entry is None:
            out.append(Finding("journal", subject, "the key has no journal row", (key,)))
        elif (entry["reserved"], entry["spent"]) != (key["reserved"], key["spent"]):
            out.append(Finding("journal", subject, "the last journal row does not hold the key's counters",
                               (key, entry)))
    return out


async def _intents(query: Query) -> list[Finding]:
    out = []
    columns = ("id", "key_id", "state", "amount", "settled", "uncollected", "refunded", "receipt")
    for intent in await _select(query, columns, f"SELECT {', '.join(columns)} FROM intents "
                                "WHERE state IN ('settled', 'expired') ORDER BY id"):
        subject, settled = f"intent {intent['id']}", intent["settled"]
        shown = {k: v for k, v in intent.items() if k != "receipt"}
        if intent["state"] == "settled" and (settled is None or intent["receipt"] is None):
            out.append(Finding("intent", subject, "a settled intent needs its amount and its receipt", (shown,)))
            continue
        if settled is not None and not 0 <= settled <= intent["amount"]:
            out.append(Finding("intent", subject, f"settled {settled} is outside 0 … its hold {intent['amount']}",
                               (shown,)))
        if intent["refunded"] and intent["refunded"] != settled:
            out.append(Finding("refund", subject, "a refund gives back the whole settlement", (shown,)))
        receipt = _json(intent["receipt"])
        if intent["receipt"] is not None:
            out += _receipt(subject, receipt, settled, shown)
    return out


def _receipt(subject: str, receipt: dict[str, Any] | None, settled: int | None,
             row: dict[str, Any]) -> list[Finding]:
    if receipt is None:
        return [Finding("receipt", subject, "the stored receipt is not a JSON object", (row,))]
    out = []
    if receipt.get("final_amount_wei") != str(settled or 0):
        out.append(Finding("receipt", subject, f"the receipt says {receipt.get('final_amount_wei')}, the ledger "
                           f"settled {settled}", (row, receipt)))
    lines = receipt.get("line_items")
    provider, fee = receipt.get("provider_amount_wei"), receipt.get("platform_fee_wei")
    if isinstance(lines, list) and provider is not None:
        if sum(int(item.get("amount_wei", 0)) for item in lines) != int(provider):
            out.append(Finding("receipt", subject, "the line items do not add up to the provider amount",
                               (row, receipt)))
        final = int(receipt.get("final_amount_wei", 0)) + int(receipt.get("uncollected_wei", 0))
        if fee is not None and int(provider) + int(fee) != final:
            out.append(Finding("receipt", subject, "provider + fee is not final + uncollected", (row, receipt)))
    return out


async def _claims(query: Query, transfers: dict[str, dict[str, Any]] | None) -> list[Finding]:
    out = []
    columns = ("network", "payer", "nonce", "state", "scheme", "amount", "settled", "tx_hash", "receipt")
    fundings = {(row["network"], row["payer"].lower(), row["nonce"]) for row in await _select(
        query, ("network", "payer", "nonce"), "SELECT network, payer, nonce FROM key_funding")}
    for claim in await _select(query, columns, f"SELECT {', '.join(columns)} FROM x402_claims "
                               "ORDER BY network, payer, nonce"):
        subject = f"claim {claim['network']} {claim['payer']} {claim['nonce']}"
        shown = {k: v for k, v in claim.items() if k != "receipt"}
        if claim["state"] == "funding" and (claim["network"], claim["payer"].lower(), claim["nonce"]) not in fundings:
            out.append(Finding("claim", subject, "a claim that funds a key has no funding row", (shown,)))
        nothing_moved = claim["scheme"] == "upto" and claim["settled"] == 0 and claim["tx_hash"] is None
        if claim["state"] != "settled" or nothing_moved:  # an upto settled at 0 sends no transaction
            continue
        settled = claim["settled"]
        if settled is None or not 0 <= settled <= claim["amount"] or \
                (claim["scheme"] == "exact" and settled != claim["amount"]):
            out.append(Finding("claim", subject, f"settled {settled} does not fit the authorized {claim['amount']} "
                               f"({claim['scheme']})", (shown,)))
        if settled and not claim["tx_hash"]:
            out.append(Finding("claim", subject, "a settled payment has no transaction", (shown,)))
        receipt = _json(claim["receipt"])
        if receipt is not None and receipt.get("final_amount_wei") != str(settled):
            out.append(Finding("receipt", subject, "the receipt's final amount is not the settled one",
                               (shown, receipt)))
        out += _transfer(subject, transfers, claim["tx_hash"], claim["payer"], settled, shown)
    return out


def _transfer(subject: str, transfers: dict[str, dict[str, Any]] | None, tx_hash: str | None, payer: str,
              amount: int | None, row: dict[str, Any]) -> list[Finding]:
    if transfers is None or not tx_hash or not amount:
        return []
    transfer = transfers.get(tx_hash)
    if transfer is None:
        return [Finding("transfer", subject, f"no transfer {tx_hash} on the facilitator's ledger", (row,))]
    if transfer["amount"] != amount or transfer["payer"].lower() != payer.lower():
        return [Finding("transfer", subject, f"the transfer moved {transfer['amount']} from {transfer['payer']}",
                        (row, transfer))]
    return []


async def _fundings(query: Query, transfers: dict[str, dict[str, Any]] | None) -> list[Finding]:
    out = []
    columns = ("key_id", "network", "payer", "nonce", "state", "amount", "tx_hash", "uncollected", "spent",
               "claim_state", "claim_settled", "claim_tx")
    for row in await _select(query, columns,
                             "SELECT f.key_id, f.network, f.payer, f.nonce, f.state, f.amount, f.tx_hash, "
                             "f.uncollected, k.spent, c.state, c.settled, c.tx_hash FROM key_funding f "
                             "JOIN compose_keys k ON k.id = f.key_id LEFT JOIN x402_claims c ON c.network = "
                             "f.network AND c.payer = f.payer AND c.nonce = f.nonce ORDER BY f.key_id"):
        subject = f"funding {row['key_id']}"
        if row["state"] == "collected":
            if row["amount"] != row["spent"]:
                out.append(Finding("funding", subject, f"collected {row['amount']}, the key spent {row['spent']}",
                                   (row,)))
            if row["amount"] and (row["claim_state"] != "settled" or row["claim_settled"] != row["amount"]
                                  or row["claim_tx"] != row["tx_hash"]):
                out.append(Finding("funding", subject, "its claim does not record the collection", (row,)))
            out += _transfer(subject, transfers, row["tx_hash"], row["payer"], row["amount"], row)
        elif row["state"] == "failed" and row["uncollected"] != row["amount"]:
            out.append(Finding("funding", subject, "a failed collection records all of it as uncollected", (row,)))
    return out


async def _refunds(query: Query) -> list[Finding]:
    out = []
    columns = ("kind", "id", "intent_id", "refund", "settled", "refunded")
    for row in await _select(query, columns, "SELECT s.kind, s.id, s.intent_id, s.refund, i.settled, i.refunded "
                             "FROM served s LEFT JOIN intents i ON i.id = s.intent_id WHERE s.refund = 'refunded'"):
        if row["intent_id"] is None or not row["settled"] or row["refunded"] != row["settled"]:
            out.append(Finding("refund", f"{row['kind']} {row['id']}", "refunded, but its intent did not give back "
                               "its settlement", (row,)))
    return out


def facilitator_transfers(path: str) -> dict[str, dict[str, Any]]:
    """The embedded facilitator's transfers (its SQLite file), by transaction hash."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT tx_hash, network, payer, pay_to, amount, scheme FROM settlements").fetchall()
    finally:
        connection.close()
    return {row[0]: dict(zip(("tx_hash", "network", "payer", "pay_to", "amount", "scheme"), row, strict=True))
            for row in rows}
