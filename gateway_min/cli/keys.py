"""`keys create | list | show | revoke`: operator-funded Compose Keys without SQL or curl (also the `compose-keys`
console script).

It speaks to the ledger directly (`--db`, default GATEWAY_DB) or to a running gateway's key API (`--url`, with the
admin token from `--admin-token` or COMPOSE_ADMIN_TOKEN). The token of a new key is printed once, to stdout; records
never carry token material. `--json` prints JSON records instead of lines.

    python -m gateway_min keys create --owner 0x… --budget 5000000 --expires-in 30d [--chain 43113]
                                      [--purpose api|session] [--name NAME]
    python -m gateway_min keys list --owner 0x…
    python -m gateway_min keys show KEY_ID
    python -m gateway_min keys revoke KEY_ID
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from typing import Any, Final

import httpx
import orjson

from gateway_min.ledger import KeyRow, open_ledger, wall_clock_ms
from gateway_min.payment.compose_key.minting import credit_key, record
from gateway_min.server import DEFAULT_DB, Settings, token_secret

_WALLET: Final = re.compile(r"0x[0-9a-fA-F]{40}")
_DURATION: Final = re.compile(r"([1-9][0-9]{0,5})([smhd])")
_UNITS: Final = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


class KeysError(Exception):
    """What the command could not do, said in one line."""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="operator-funded Compose Keys: create, list, show, revoke")
    add_arguments(keys)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--db", default=os.environ.get("GATEWAY_DB") or DEFAULT_DB,
                       help=f"the ledger: a SQLite file or a postgresql:// URL (default: GATEWAY_DB, else "
                            f"{DEFAULT_DB})")
    where.add_argument("--url", help="a running gateway's base URL: use its key API instead of the ledger")
    where.add_argument("--admin-token", default=os.environ.get("COMPOSE_ADMIN_TOKEN"),
                       help="with --url: the admin token (default: COMPOSE_ADMIN_TOKEN)")
    where.add_argument("--json", action="store_true", help="print JSON records")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[where], help="mint an operator-funded key; its token is shown once")
    create.add_argument("--owner", required=True, help="the owner wallet, 0x and 40 hex digits")
    create.add_argument("--budget", required=True, type=int, help="USDC atomic units (1 USDC = 1000000)")
    create.add_argument("--expires-in", default="30d", help="how long it lives: N s|m|h|d (default 30d)")
    create.add_argument("--chain", type=int, default=43113, help="the settlement chain id (default 43113)")
    create.add_argument("--purpose", choices=["api", "session"], default="api")
    create.add_argument("--name")
    listing = actions.add_parser("list", parents=[where], help="the keys of a wallet")
    listing.add_argument("--owner", required=True)
    for name, text in (("show", "one key's record"), ("revoke", "revoke a key (a wallet key is then collected)")):
        action = actions.add_parser(name, parents=[where], help=text)
        action.add_argument("key_id")


def run(args: argparse.Namespace) -> int:
    try:
        outcome = _remote(args) if args.url else asyncio.run(_direct(args))
    except KeysError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    token, records = outcome
    if args.json:
        body: Any = records if args.action == "list" else {**records[0], **({"token": token} if token else {})}
        sys.stdout.buffer.write(orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n")
        return 0
    if token:
        print(f"token (shown once): {token}")
    for item in records:
        print(_line(item))
    if args.action == "list" and not records:
        print(f"no keys for {args.owner}")
    return 0


def _line(item: dict[str, Any]) -> str:
    state = "revoked" if item.get("revokedAt") else "live"
    return (f"{item['keyId']}  {item.get('kind', 'credit')}/{item['purpose']}  {state}  used {item['budgetUsed']} of "
            f"{item['budgetLimit']} (reserved {item.get('budgetReserved', '0')})  owner {item.get('owner', '?')}  "
            f"chain {item.get('chainId')}  expires {item['expiresAt']}" + (f"  {item['name']}" if item.get("name")
                                                                            else ""))


def _owner(value: str) -> str:
    if not _WALLET.fullmatch(value):
        raise KeysError(f"--owner must be 0x and 40 hex digits, got {value!r}")
    return value.lower()


def _expiry(args: argparse.Namespace, now: int) -> int:
    found = _DURATION.fullmatch(args.expires_in)
    if found is None:
        raise KeysError(f"--expires-in must be a number and s, m, h or d (30d, 12h …), got {args.expires_in!r}")
    return now + int(found[1]) * _UNITS[found[2]]


def _check_create(args: argparse.Namespace) -> None:
    if not 0 < args.budget <= 10**15:
        raise KeysError("--budget must be a positive number of USDC atomic units, at most 10^15")
    if args.name is not None and len(args.name) > 100:
        raise KeysError("--name is at most 100 characters")


async def _direct(args: argparse.Namespace) -> tuple[str | None, list[dict[str, Any]]]:
    ledger = open_ledger(args.db)
    try:
        await ledger.start()
        now = wall_clock_ms()
        if args.action == "create":
            _check_create(args)
            key, token = credit_key(owner=_owner(args.owner), chain_id=args.chain, budget=args.budget,
                                    expires_at=_expiry(args, now), purpose=args.purpose, name=args.name, now=now,
                                    secret=token_secret(Settings(db=args.db)))
            await ledger.create_key(key)
            return token, [record(key)]
        if args.action == "list":
            return None, [record(key, await ledger.get_funding(key.id)) for key in
                          await ledger.list_keys(_owner(args.owner))]
        found: KeyRow | None = await ledger.get_key(args.key_id)
        if found is None:
            raise KeysError(f"no key {args.key_id}")
        if args.action == "revoke":
            found = await ledger.revoke_key(found.id) or found
        return None, [record(found, await ledger.get_funding(found.id))]
    except OSError as exc:
        raise KeysError(f"the ledger cannot be read: {exc}") from None
    finally:
        await ledger.aclose()


def _remote(args: argparse.Namespace) -> tuple[str | None, list[dict[str, Any]]]:
    if not args.admin_token:
        raise KeysError("--url needs the admin token: --admin-token or COMPOSE_ADMIN_TOKEN")
    headers = {"authorization": f"Bearer {args.admin_token}"}
    try:
        with httpx.Client(base_url=args.url.rstrip("/"), headers=headers, timeout=30) as client:
            if args.action == "create":
                _check_create(args)
                now = wall_clock_ms()
                response = client.post("/api/keys", headers={"x-session-user-address": _owner(args.owner),
                                                              "x-chain-id": str(args.chain)},
                                       json={"budgetLimit": args.budget, "expiresAt": _expiry(args, now),
                                             "purpose": args.purpose, **({"name": args.name} if args.name else {})})
            elif args.action == "list":
                response = client.get("/api/keys", headers={"x-session-user-address": _owner(args.owner),
                                                            "x-chain-id": "1"})
            elif args.action == "show":
                response = client.get(f"/api/keys/{args.key_id}")
            else:
                response = client.delete(f"/api/keys/{args.key_id}")
                if response.status_code == 200:
                    response = client.get(f"/api/keys/{args.key_id}")
    except httpx.HTTPError as exc:
        raise KeysError(f"the gateway at {args.url} could not be reached: {exc}") from None
    if response.status_code >= 400:
        try:
            error = response.json().get("error")
            message = error.get("message") if isinstance(error, dict) else str(error)
        except ValueError:
            message = response.text[:200]
        raise KeysError(f"the gateway answered {response.status_code}: {message}")
    body = response.json()
    if args.action == "list":
        return None, list(body["keys"])
    token = body.pop("token", None)
    return token, [body]
