"""`serve --demo`: its Compose Key (kept beside the demo ledger and reused on every start while it is live) and the
banner that says how to call the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import secrets
import shlex
import sys
from pathlib import Path
from typing import Final

from gateway_min.ledger import is_server, open_ledger, wall_clock_ms
from gateway_min.payment.compose_key.minting import credit_key
from gateway_min.payment.compose_key.tokens import token_hash

DEMO_DB: Final = "var/gateway-demo.sqlite3"
DEMO_WALLET: Final = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
DEMO_BUDGET: Final = 5_000_000  # 5 USDC
DEMO_DAYS: Final = 30
MIN_DAYS_LEFT: Final = 1  # a kept demo key that expires sooner than this is replaced


def key_file(db: str) -> Path:
    return Path(("var/gateway-demo" if is_server(db) else db) + ".demo-key")


def demo_key(db: str, chain_id: int = 43113) -> tuple[str, bool]:
    """(the demo Compose Key's token, whether it is new). The token kept beside the ledger (`<db>.demo-key`, mode
    0600; `var/gateway-demo.demo-key` for a ledger on a server) is reused while its key is live: not revoked,
    budget left, more than a day before it expires. Otherwise a new key (5 USDC, 30 days) is created directly in
    the ledger and kept in its place."""
    path = key_file(db)
    kept = path.read_text().strip() if path.exists() else None
    token, new = asyncio.run(_demo_key(db, kept, chain_id))
    if new:
        _keep(path, token)
    return token, new


async def _demo_key(db: str, kept: str | None, chain_id: int) -> tuple[str, bool]:
    ledger = open_ledger(db)
    await ledger.start()
    try:
        now = wall_clock_ms()
        if kept is not None:
            key = await ledger.key_by_hash(token_hash(kept))
            if key is not None and key.revoked_at is None and key.available > 0 and \
                    key.expires_at > now + MIN_DAYS_LEFT * 86_400_000:
                return kept, False
        key, token = credit_key(owner=DEMO_WALLET, chain_id=chain_id, budget=DEMO_BUDGET,
                                expires_at=now + DEMO_DAYS * 86_400_000, purpose="api", name="demo", now=now,
                                secret=b"")
        await ledger.create_key(key)
        return token, True
    finally:
        await ledger.aclose()


def _keep(path: Path, token: str) -> None:
    """Write the token readable by its owner only, replacing the file in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(token + "\n")
    try:
        os.replace(draft, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(draft)


def banner(host: str, port: int, admin: str | None, token: str, *, new_key: bool) -> str:
    """What the demo prints. The admin token is shown only when the demo generated it (`admin`); one from
    COMPOSE_ADMIN_TOKEN stays out of the terminal's scrollback and the examples name the variable instead."""
    base = f"http://{host}:{port}"
    python = shlex.quote(sys.executable or "python3")  # the interpreter serving this gateway: ./scripts/run's .venv
    sdk_hint = "" if importlib.util.find_spec("openai") else \
        f"\n  (that needs the openai package: {python} -m pip install 'openai>=1.40,<4')"
    shown_admin = f"{admin}" if admin else "(from COMPOSE_ADMIN_TOKEN, not shown)"
    bearer = admin if admin else "$COMPOSE_ADMIN_TOKEN"
    kind = "new" if new_key else "kept from the last start"
    return f"""
Compose gateway (demo): every catalog model is served by the built-in deterministic provider; no network needed.
  admin token (COMPOSE_ADMIN_TOKEN): {shown_admin}
  demo Compose Key ({kind}; {DEMO_BUDGET // 1_000_000} USDC budget): {token}

Try it:
  curl -s {base}/v1/chat/completions -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\
       -d '{{"model": "gpt-4.1", "messages": [{{"role": "user", "content": "Hello there"}}], "max_tokens": 64}}' -i

  curl -s {base}/api/keys -H "Authorization: Bearer {bearer}" \\
       -H 'x-session-user-address: {DEMO_WALLET}' -H 'x-chain-id: 43113'

  {python} - <<'PY'
from openai import OpenAI
client = OpenAI(base_url="{base}/external/v1", api_key="{token}")
hi = [{{"role": "user", "content": "Hi"}}]
print(client.chat.completions.create(model="gpt-4.1", messages=hi).choices[0].message.content)
for chunk in client.chat.completions.create(model="gpt-4.1", messages=hi, stream=True):
    if chunk.choices:  # the usage chunk has none (and on /v1, so has the compose.receipt event)
        print(chunk.choices[0].delta.content or "", end="")
PY{sdk_hint}
"""


X402_BANNER: Final = """Raw x402 v2 (no key): a request without a Compose Key answers 402 with PAYMENT-REQUIRED; pay it
with any x402 v2 client (e.g. the official `x402` SDK). The embedded facilitator keeps test USDC in a local SQLite file
and is served at {base}/api/x402/facilitator/{{supported,chains,verify,settle}} (settle and fund take the admin token).
  facilitator signer: {signer}
Fund a payer:
  curl -s {base}/api/x402/facilitator/fund -H "Authorization: Bearer {admin}" -H 'Content-Type: application/json' \\
       -d '{{"address": "0xYourPayerAddress", "amount": 5000000}}'
A key funded by that wallet (one signature; what it spends is collected when it ends): POST {base}/api/keys with
x-session-user-address: 0xYourPayerAddress, x-chain-id: 43113 and {{"budgetLimit": 1000000, "expiresAt": <ms>}}
through the same x402 client (402, signed, 201 with the key). "purpose": "session" makes it the wallet's session.
"""
