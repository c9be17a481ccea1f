"""`ledger migrate [--db …]`: apply the ledger's pending schema migrations and exit (`serve` applies them at
start-up too; this is for a deployment that migrates in a step of its own, before the replicas start)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from gateway_min.ledger import open_ledger
from gateway_min.ledger.migrations import SchemaTooNew
from gateway_min.server import DEFAULT_DB


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = commands.add_parser("ledger", help="the ledger: migrate")
    actions = ledger.add_subparsers(dest="action", required=True)
    migrate = actions.add_parser("migrate", help="apply the pending schema migrations")
    migrate.add_argument("--db", default=os.environ.get("GATEWAY_DB") or DEFAULT_DB,
                         help=f"a SQLite file or a postgresql:// URL (default: GATEWAY_DB, else {DEFAULT_DB})")


def run(args: argparse.Namespace) -> int:
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
