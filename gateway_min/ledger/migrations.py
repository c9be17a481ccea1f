"""Versioned schema migrations, for every backend: numbered SQL files (`<backend>/migrations/NNNN_name.sql`),
applied in order at start-up (or by `python -m gateway_min ledger migrate`), each recorded in `schema_migrations`.

Several processes may start at once: each backend applies them under a lock of the database itself (SQLite's write
lock, PostgreSQL's transaction-scoped advisory lock), in one transaction, so one applies and the others find them
applied. A ledger migrated by a newer version of the gateway (a version this one does not know) refuses to start.
"""

from __future__ import annotations

from importlib import resources
from typing import Final, NamedTuple

TABLE: Final = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at BIGINT NOT NULL)")


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


class SchemaTooNew(RuntimeError):
    """The ledger holds migrations this gateway does not know: it was migrated by a newer version."""


def load(backend: str) -> list[Migration]:
    """`backend`'s migrations in version order (`gateway_min/ledger/<backend>/migrations/NNNN_name.sql`)."""
    folder = resources.files("gateway_min.ledger").joinpath(backend, "migrations")
    found = []
    for entry in folder.iterdir():
        stem, _, suffix = entry.name.partition(".")
        if suffix != "sql":
            continue
        number, _, name = stem.partition("_")
        found.append(Migration(int(number), name.replace("_", " "), entry.read_text()))
    found.sort()
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"{backend} migrations must be numbered 1, 2, 3 … without gaps: "
                           f"{[m.version for m in found]}")
    return found


def pending(known: list[Migration], applied: set[int]) -> list[Migration]:
    """What is left to apply; SchemaTooNew when the ledger has a version this code does not know."""
    unknown = sorted(applied - {m.version for m in known})
    if unknown:
        raise SchemaTooNew(f"the ledger has schema version(s) {unknown}, newer than this gateway knows "
                           f"({len(known)}): run the gateway version that migrated it, or a newer one")
    return [m for m in known if m.version not in applied]


def statements(sql: str) -> list[str]:
    """The statements of a migration file: `;`-separated, `--` comments dropped (neither may hold a `;`)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [statement.strip() for statement in code.split(";") if statement.strip()]
