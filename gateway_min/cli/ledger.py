"""`ledger migrate [--db …]`: apply the ledger's pending schema migrations and exit (`serve` applies them at
start-up too; this is for a deployment that migrates in a step of its own, before the replicas start).

`ledger check [--db …] [--facilitator-db FILE] [--json]`: the audit (ledger/audit.py): every inconsistency of the
books, with the rows involved; exit 0 only when they balance, 1 when something is wrong, 2 when the ledger cannot
be read."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import orjson

from gateway_min.ledger import audit, is_server, open_ledger
from gateway_min.ledger.migrations import SchemaTooNew
from gateway_min.server import DEFAULT_DB


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = commands.add_parser("ledger", help="the ledger: migrate")
    actions = ledger.add_subparsers(dest="action", required=True)
    migrate = actions.add_parser("migrate", help="apply the pending schema migrations")
    migrate.add_argument("--db", default=os.environ.get("GATEWAY_DB") or DEFAULT_DB,
                         help=f"a SQLite file or a postgresql:// URL (default: GATEWAY_DB, else {DEFAULT_DB})")
    check = actions.add_parser("check", help="audit the books: exit 0 only when they balance")
    check.add_argument("--db", default=os.environ.get("GATEWAY_DB") or DEFAULT_DB,
                       help=f"a SQLite file or a postgresql:// URL (default: GATEWAY_DB, else {DEFAULT_DB})")
    check.add_argument("--facilitator-db", default=None,
                       help="the embedded facilitator's SQLite file: check every settlement against its transfers")
    check.add_argument("--json", action="store_true", help="the findings as JSON")


def run(args: argparse.Namespace) -> int:
    if args.action == "check":
        return check(args.db, args.facilitator_db, as_json=args.json)
    try:
        applied = asyncio.run(_migrate(args.db))
    except SchemaTooNew as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"applied migration(s) {', '.join(map(str, applied))}" if applied else "the schema is up to date")
    return 0


async def _migrate(location: str) -> list[int]:
    ledger = open_ledger(location)
    try:
        await ledger.start()
        return ledger.migrated
    finally:
        await ledger.aclose()


def check(location: str, facilitator_db: str | None, *, as_json: bool = False) -> int:
    if not is_server(location) and not os.path.exists(location):
        print(f"error: no ledger at {location}", file=sys.stderr)
        return 2
    if facilitator_db is not None and not os.path.exists(facilitator_db):
        print(f"error: no facilitator file at {facilitator_db}", file=sys.stderr)
        return 2
    try:
        findings = asyncio.run(_check(location, facilitator_db))
    except (OSError, SchemaTooNew) as exc:
        print(f"error: the ledger cannot be read: {exc}", file=sys.stderr)
        return 2
    if as_json:
        sys.stdout.buffer.write(orjson.dumps([{**finding._asdict(), "rows": list(finding.rows)}
                                              for finding in findings], default=str,
                                             option=orjson.OPT_INDENT_2) + b"\n")
    else:
        for finding in findings:
            print(finding)
        print(f"{len(findings)} inconsistency(ies) found" if findings else "the books balance")
    return 1 if findings else 0


async def _check(location: str, facilitator_db: str | None) -> list[audit.Finding]:
    ledger = open_ledger(location)
    try:
        await ledger.start()
        transfers = audit.facilitator_transfers(facilitator_db) if facilitator_db else None
        return await audit.audit(ledger.read, transfers=transfers)
    finally:
        await ledger.aclose()
