"""`serve`: the gateway under uvicorn, on a socket bound before anything else happens (a port that is taken fails
at once, with one line, before a key is minted or a banner printed), with the connection bounds of http/limits.py."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import sys
import tempfile
from typing import Final

import httpx
import uvicorn
from uvicorn.supervisors import Multiprocess

from gateway_min.cli import demo
from gateway_min.http.cors import parse_origins
from gateway_min.http.limits import Limits, raise_descriptor_limit
from gateway_min.payment.x402.facilitator import HttpFacilitator
from gateway_min.payment.x402.offer import FacilitatorMisconfigured, check_facilitator
from gateway_min.server import DEFAULT_DB, FACILITATOR_DB, Settings, facilitator_headers, facilitator_signer

PROTOCOL: Final = "gateway_min.http.limits:GuardedHttpTools"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8402)
    serve.add_argument("--db", default=os.environ.get("GATEWAY_DB") or None,
                       help=f"the ledger: a SQLite file (default {DEFAULT_DB}, or {demo.DEMO_DB} with --demo) or a "
                       "postgresql://user@host/db URL for several replicas; default from GATEWAY_DB")
    serve.add_argument("--facilitator-db", default=os.environ.get("GATEWAY_FACILITATOR_DB") or None,
                       help="the embedded facilitator's SQLite file (default: beside a SQLite ledger, or "
                       f"{FACILITATOR_DB} with a PostgreSQL one)")
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
    serve.add_argument("--hold-ttl", type=int, default=Settings.hold_ttl,
                       help="seconds a hold lives before it is expired (raw x402 needs at least 60)")
    serve.add_argument("--stream-hold-ttl", type=int, default=Settings.stream_hold_ttl,
                       help="seconds a stream's hold lives")
    serve.add_argument("--sweep-interval", type=float, default=Settings.sweep_interval,
                       help="seconds between sweeps of expired holds")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--check", action="store_true",
                       help="check that the gateway can start here (the port is free, the facilitator usable), then "
                       "exit without serving, minting or printing anything else")
    serve.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=None,
                       help="one line per request (default: on with --demo, off otherwise)")
    defaults = Limits()
    serve.add_argument("--max-head-bytes", type=int, default=defaults.max_head_bytes,
                       help="a request line and headers larger than this are answered 431")
    serve.add_argument("--head-timeout", type=float, default=defaults.head_seconds,
                       help="seconds to receive a request's headers, or 408")
    serve.add_argument("--keep-alive", type=int, default=defaults.keep_alive_seconds,
                       help="seconds an idle kept-alive connection stays open")
    serve.add_argument("--max-connections", type=int, default=defaults.max_connections,
                       help="connections per worker; past it a new one is answered 503")
    serve.add_argument("--access-log-format", choices=["text", "json"], default="text",
                       help="the access log's lines: text, or one JSON object per line with the request id")
    serve.add_argument("--cors-origin", default=os.environ.get("GATEWAY_CORS_ORIGINS") or None,
                       help="origins browser pages may call from: comma-separated (https://app.example), or * "
                            "(GATEWAY_CORS_ORIGINS); none by default")
    serve.add_argument("--public-url", default=os.environ.get("GATEWAY_PUBLIC_URL") or None,
                       help="this gateway's URL as clients reach it, for discovery documents (GATEWAY_PUBLIC_URL); "
                            "default: each request's Host")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket's address, taken now (as uvicorn would bind it); OSError when it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


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


def serve(args: argparse.Namespace) -> int:
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} ({exc.strerror or exc}): pick another port with "
              f"--port N (./scripts/run --port {args.port + 1})", file=sys.stderr)
        return 2
    try:
        parse_origins(args.cors_origin)
    except ValueError as exc:
        print(f"error: --cors-origin: {exc}", file=sys.stderr)
        sock.close()
        return 2
    if args.check and not args.facilitator_url:
        sock.close()
        return 0
    env_admin = os.environ.get("COMPOSE_ADMIN_TOKEN") or None
    generated = "admin-" + secrets.token_urlsafe(24) if args.demo and not env_admin else None
    admin = env_admin or generated
    settings = Settings(db=args.db or (demo.DEMO_DB if args.demo else DEFAULT_DB), demo=args.demo,
                        upstream_url=args.upstream_url, upstream_key=os.environ.get("GATEWAY_UPSTREAM_KEY"),
                        admin_token=admin, durable_sync=args.sync.upper(),
                        demo_chunk_delay=args.demo_chunk_delay if args.demo else 0.0,
                        facilitator_url=args.facilitator_url, facilitator_key=os.environ.get("X402_FACILITATOR_KEY"),
                        facilitator_token=os.environ.get("GATEWAY_FACILITATOR_TOKEN") or None,
                        runtime_url=args.runtime_url, facilitator_db=args.facilitator_db, hold_ttl=args.hold_ttl,
                        stream_hold_ttl=args.stream_hold_ttl, sweep_interval=args.sweep_interval,
                        access_log=args.demo if args.access_log is None else args.access_log,
                        cors_origins=args.cors_origin, public_url=args.public_url,
                        access_log_format=args.access_log_format)
    if not admin:
        print("warning: COMPOSE_ADMIN_TOKEN is not set: key management routes will refuse every call", file=sys.stderr)
    if args.facilitator_url:
        problem = preflight(args.facilitator_url, settings.facilitator_token)
        if problem:
            print(f"error: --facilitator-url {args.facilitator_url}: {problem}", file=sys.stderr)
            sock.close()
            return 2
        signer = None
        if args.check:
            sock.close()
            return 0
    else:  # created once here, before any worker starts, when it is a generated key kept next to the ledger
        signer = facilitator_signer(settings).address
    limits = Limits(args.max_head_bytes, args.head_timeout, args.keep_alive, args.max_connections)
    os.environ.update({**settings.export(), **limits.export()})
    if args.demo:
        token, new = demo.demo_key(settings.db)
        print(demo.banner(args.host, args.port, generated, token, new_key=new), flush=True)
        if signer:
            print(demo.X402_BANNER.format(signer=signer, base=f"http://{args.host}:{args.port}",
                                          admin=generated or "$COMPOSE_ADMIN_TOKEN"), flush=True)
    raise_descriptor_limit()
    config = uvicorn.Config("gateway_min.server:create_app", factory=True, workers=args.workers,
                            log_level=args.log_level, access_log=False, proxy_headers=False, server_header=False,
                            http=PROTOCOL, timeout_keep_alive=limits.keep_alive_seconds, host=args.host,
                            port=args.port)
    if args.workers > 1:
        # the workers count into one folder, so that any of them answers /metrics for all (metrics.py)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="compose-metrics-")
        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
    return 0
