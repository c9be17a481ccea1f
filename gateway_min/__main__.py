"""`python -m gateway_min serve [--host 127.0.0.1] [--port 8402] [--db PATH] [--demo] [--workers N] ...`"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import secrets
import shlex
import sys
import time
import uuid

import httpx
import uvicorn

from gateway_min.keys import new_token, token_hash
from gateway_min.ledger import KeyRow, Ledger, ops
from gateway_min.server import DEFAULT_DB, Settings, facilitator_headers, facilitator_signer
from gateway_min.x402 import HttpFacilitator
from gateway_min.x402_offer import FacilitatorMisconfigured, check_facilitator

DEMO_DB = "var/gateway-demo.sqlite3"
DEMO_WALLET = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"


def demo_key(db: str, chain_id: int = 43113, budget: int = 5_000_000) -> str:
    """Create a demo Compose Key (5 USDC, 30 days) directly in the ledger; returns its token."""
    ledger = Ledger(db)
    try:
        token = new_token()
        now = int(time.time() * 1000)
        key = KeyRow(str(uuid.uuid4()), token_hash(token), token[:12], DEMO_WALLET, chain_id, "api", "demo", budget, 0,
                     0, now, now + 30 * 24 * 3600 * 1000, None, None)
        ledger.writer.run_sync(lambda conn: ops.create_key(conn, key))
    finally:
        ledger.close()
    return token


def banner(host: str, port: int, admin: str, token: str) -> str:
    base = f"http://{host}:{port}"
    python = shlex.quote(sys.executable or "python3")  # the interpreter serving this gateway: ./scripts/run's .venv
    sdk_hint = "" if importlib.util.find_spec("openai") else \
        f"\n  (that needs the openai package: {python} -m pip install 'openai>=1.40,<4')"
    return f"""
Compose gateway (demo): every catalog model is served by the built-in deterministic provider; no network needed.
  admin token (COMPOSE_ADMIN_TOKEN): {admin}
  demo Compose Key (5 USDC budget):  {token}

Try it:
  curl -s {base}/v1/chat/completions -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \\
       -d '{{"model": "gpt-4.1", "messages": [{{"role": "user", "content": "Hello there"}}], "max_tokens": 64}}' -i

  curl -s {base}/api/keys -H 'Authorization: Bearer {admin}' \\
       -H 'x-session-user-address: {DEMO_WALLET}' -H 'x-chain-id: 43113'

  {python} - <<'PY'
from openai import OpenAI
client = OpenAI(base_url="{base}/external/v1", api_key="{token}")
hi = [{{"role": "user", "content": "Hi"}}]
print(client.chat.completions.create(model="gpt-4.1", messages=hi).choices[0].message.content)
for chunk in client.chat.completions.create(model="gpt-4.1", messages=hi, stream=True):
    print(chunk.choices[0].delta.content or "", end="")
PY{sdk_hint}
"""


X402_BANNER = """Raw x402 v2 (no key): a request without a Compose Key answers 402 with PAYMENT-REQUIRED; pay it with
any x402 v2 client (e.g. the official `x402` SDK). The embedded facilitator keeps test USDC in a local SQLite file
and is served at {base}/api/x402/facilitator/{{supported,chains,verify,settle}} (settle and fund take the admin token).
  facilitator signer: {signer}
Fund a payer:
  curl -s {base}/api/x402/facilitator/fund -H 'Authorization: Bearer {admin}' -H 'Content-Type: application/json' \\
       -d '{{"address": "0xYourPayerAddress", "amount": 5000000}}'
"""


def preflight(url: str, token: str | None = None) -> str | None:
    """Why the facilitator at `url` cannot serve this gateway, or None when it can."""

    async def check() -> None:
        async with httpx.AsyncClient() as client:
            await check_facilitator(HttpFacilitator(url, client, timeout=10.0, headers=facilitator_headers(token)))

    try:
        asyncio.run(check())
    except FacilitatorMisconfigured as exc:
        return str(exc)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway_min")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8402)
    serve.add_argument("--db", default=None, help=f"SQLite ledger (default {DEFAULT_DB}, or {DEMO_DB} with --demo)")
    serve.add_argument("--demo", action="store_true", help="built-in demo upstream for every model, a demo key")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--upstream-url", help="send every model to this OpenAI-compatible base URL")
    serve.add_argument("--facilitator-url", help="verify and settle raw x402 payments with this x402 v2 facilitator "
                       "(default: the embedded one, served at /api/x402/facilitator)")
    serve.add_argument("--runtime-url", help="the agent/workflow runtime behind /agent/* and /workflow/* "
                       "(default: the demo runtime with --demo, else those routes answer 503)")
    serve.add_argument("--sync", choices=["full", "normal"], default="full",
                       help="durability of settlements: fsynced before the response (full, default), or within 20 ms "
                       "of it (normal)")
    serve.add_argument("--demo-chunk-delay", type=float, default=0.02, help="seconds between demo stream chunks")
    serve.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    admin = os.environ.get("COMPOSE_ADMIN_TOKEN")
    if args.demo and not admin:
        admin = "admin-" + secrets.token_urlsafe(24)
    settings = Settings(db=args.db or (DEMO_DB if args.demo else DEFAULT_DB), demo=args.demo,
                        upstream_url=args.upstream_url, upstream_key=os.environ.get("GATEWAY_UPSTREAM_KEY"),
                        admin_token=admin, durable_sync=args.sync.upper(),
                        demo_chunk_delay=args.demo_chunk_delay if args.demo else 0.0,
                        facilitator_url=args.facilitator_url, facilitator_key=os.environ.get("X402_FACILITATOR_KEY"),
                        facilitator_token=os.environ.get("GATEWAY_FACILITATOR_TOKEN") or None,
                        runtime_url=args.runtime_url)
    if not admin:
        print("warning: COMPOSE_ADMIN_TOKEN is not set: key management routes will refuse every call", file=sys.stderr)
    if args.facilitator_url:
        problem = preflight(args.facilitator_url, settings.facilitator_token)
        if problem:
            print(f"error: --facilitator-url {args.facilitator_url}: {problem}", file=sys.stderr)
            return 2
        signer = None
    else:  # created once here, before any worker starts, when it is a generated key kept next to the ledger
        signer = facilitator_signer(settings).address
    os.environ.update(settings.export())
    if args.demo:
        os.makedirs(os.path.dirname(os.path.abspath(settings.db)), exist_ok=True)
        print(banner(args.host, args.port, admin or "", demo_key(settings.db)), flush=True)
        if signer:
            print(X402_BANNER.format(signer=signer, base=f"http://{args.host}:{args.port}", admin=admin), flush=True)
    uvicorn.run("gateway_min.server:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level, access_log=False, proxy_headers=False, server_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
