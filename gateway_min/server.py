"""Build the app from the environment (so that every uvicorn worker process builds the same one)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from gateway_min.app import App
from gateway_min.context import Gateway
from gateway_min.http.access_log import AccessLog
from gateway_min.http.cors import Cors, parse_origins
from gateway_min.http.types import ASGIApp
from gateway_min.ledger import is_server, open_ledger, wall_clock_ms
from gateway_min.payment.x402.facilitator import EmbeddedFacilitator, Facilitator, HttpFacilitator, LocalFacilitator
from gateway_min.payment.x402.offer import check_facilitator
from gateway_min.runtime.upstream import DemoRuntime, HttpRuntime, Runtime
from gateway_min.upstream import HttpProvider, Providers
from gateway_min.upstream.demo import DemoProvider
from gateway_min.upstream.transport import LeanTransport, UpstreamClient

DEFAULT_DB: Final = "var/gateway.sqlite3"
FACILITATOR_DB: Final = "var/gateway.facilitator.sqlite3"  # with a PostgreSQL ledger
# --demo only: a key anyone can derive, for a facilitator whose "chain" is a local SQLite file.
DEMO_FACILITATOR_KEY: Final = "0x" + keccak(b"compose gateway_min demo facilitator").hex()
FACILITATOR_EXTENSIONS: Final = ("compose-metering-v1", "compose-payment-intent-v1")
RECURSION_LIMIT: Final = 1_000  # CPython's default


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    demo: bool = False
    upstream_url: str | None = None
    upstream_key: str | None = None
    admin_token: str | None = None
    durable_sync: str = "FULL"
    demo_chunk_delay: float = 0.0
    facilitator_url: str | None = None
    """Any x402 v2 facilitator; None: the embedded one (its file next to the ledger's)."""
    facilitator_token: str | None = None
    """Sent as `Authorization: Bearer` to --facilitator-url (GATEWAY_FACILITATOR_TOKEN): another gateway's embedded
    facilitator settles only for its admin token; hosted facilitators want their API key."""
    facilitator_key: str | None = None
    """The embedded facilitator's signer (hex); None: the demo key with --demo, else a key generated once and
    kept in `<db>.facilitator.key`."""
    runtime_url: str | None = None
    """The agent/workflow runtime; None: the demo runtime with --demo, else the runtime routes answer 503."""
    access_log: bool = False
    """One line per request on the `gateway_min.access` logger (http/access_log.py)."""
    access_log_format: str = "text"
    """`text`, or `json`: one JSON object per line, with the request id."""
    hold_ttl: int = 15 * 60
    """Seconds a hold lives (`--hold-ttl`); a stream's: `stream_hold_ttl`. Raw x402 needs at least 60 (a payment
    must stay valid 55 s for the work and its settlement)."""
    stream_hold_ttl: int = 60 * 60
    sweep_interval: float = 30.0
    """Seconds between this process's sweeps of expired holds."""
    token_secret: str | None = None
    """GATEWAY_TOKEN_SECRET (server.token_secret)."""
    cors_origins: str | None = None
    """Origins a browser page may call this gateway from (http/cors.py): comma-separated, or `*`; none by default."""
    public_url: str | None = None
    """The gateway's URL as clients reach it (discovery documents name it); None: from each request's Host."""
    facilitator_db: str | None = None
    """The embedded facilitator's SQLite file; None: `<db>.facilitator.sqlite3` beside a SQLite ledger, or
    FACILITATOR_DB with a PostgreSQL one (the facilitator's "chain" stays a local file: see GATEWAY.md)."""

    def facilitator_files(self) -> tuple[str, str]:
        """(the embedded facilitator's SQLite file, the file that keeps its generated signing key)."""
        if self.db == ":memory:" and not self.facilitator_db:
            return ":memory:", ""
        base = self.facilitator_db or (FACILITATOR_DB if is_server(self.db) else self.db + ".facilitator.sqlite3")
        return base, base.removesuffix(".sqlite3") + ".key"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            db=environ.get("GATEWAY_DB", DEFAULT_DB),
            demo=environ.get("GATEWAY_DEMO") == "1",
            upstream_url=environ.get("GATEWAY_UPSTREAM_URL") or None,
            upstream_key=environ.get("GATEWAY_UPSTREAM_KEY") or None,
            admin_token=environ.get("COMPOSE_ADMIN_TOKEN") or None,
            durable_sync=environ.get("GATEWAY_SYNC", "FULL").upper(),
            demo_chunk_delay=float(environ.get("GATEWAY_DEMO_CHUNK_DELAY", "0") or 0),
            facilitator_url=environ.get("GATEWAY_FACILITATOR_URL") or None,
            facilitator_key=environ.get("X402_FACILITATOR_KEY") or None,
            facilitator_token=environ.get("GATEWAY_FACILITATOR_TOKEN") or None,
            runtime_url=environ.get("GATEWAY_RUNTIME_URL") or None,
            access_log=environ.get("GATEWAY_ACCESS_LOG") == "1",
            access_log_format=environ.get("GATEWAY_ACCESS_LOG_FORMAT", "text"),
            facilitator_db=environ.get("GATEWAY_FACILITATOR_DB") or None,
            token_secret=environ.get("GATEWAY_TOKEN_SECRET") or None,
            cors_origins=environ.get("GATEWAY_CORS_ORIGINS") or None,
            public_url=environ.get("GATEWAY_PUBLIC_URL") or None,
            hold_ttl=int(environ.get("GATEWAY_HOLD_TTL", cls.hold_ttl)),
            stream_hold_ttl=int(environ.get("GATEWAY_STREAM_HOLD_TTL", cls.stream_hold_ttl)),
            sweep_interval=float(environ.get("GATEWAY_SWEEP_INTERVAL", cls.sweep_interval)),
        )

    def export(self) -> dict[str, str]:
        """The environment that makes `from_env` return these settings in a worker process."""
        out = {"GATEWAY_DB": self.db, "GATEWAY_DEMO": "1" if self.demo else "0", "GATEWAY_SYNC": self.durable_sync,
               "GATEWAY_DEMO_CHUNK_DELAY": str(self.demo_chunk_delay), "GATEWAY_ACCESS_LOG": str(int(self.access_log)),
               "GATEWAY_ACCESS_LOG_FORMAT": self.access_log_format,
               "GATEWAY_HOLD_TTL": str(self.hold_ttl), "GATEWAY_STREAM_HOLD_TTL": str(self.stream_hold_ttl),
               "GATEWAY_SWEEP_INTERVAL": str(self.sweep_interval)}
        if self.upstream_url:
            out["GATEWAY_UPSTREAM_URL"] = self.upstream_url
        if self.admin_token:
            out["COMPOSE_ADMIN_TOKEN"] = self.admin_token
        for name, value in (("GATEWAY_FACILITATOR_URL", self.facilitator_url), ("X402_FACILITATOR_KEY",
                            self.facilitator_key), ("GATEWAY_FACILITATOR_TOKEN", self.facilitator_token),
                            ("GATEWAY_RUNTIME_URL", self.runtime_url), ("GATEWAY_FACILITATOR_DB", self.facilitator_db),
                            ("GATEWAY_TOKEN_SECRET", self.token_secret), ("GATEWAY_CORS_ORIGINS", self.cors_origins),
                            ("GATEWAY_PUBLIC_URL", self.public_url)):
            if value:
                out[name] = value
        return out


def facilitator_signer(settings: Settings) -> LocalAccount:
    """The embedded facilitator's key: the demo key, X402_FACILITATOR_KEY, or one generated once into its key file
    (`<db>.facilitator.key`, mode 0600; several workers starting together all end up with the same key)."""
    if settings.demo and not settings.facilitator_key:
        return _account(DEMO_FACILITATOR_KEY)
    if settings.facilitator_key:
        return _account(settings.facilitator_key)
    _, path = settings.facilitator_files()
    return _account(kept_secret(path) if path else "0x" + secrets.token_hex(32))


def token_secret(settings: Settings) -> bytes:
    """What session keys' tokens are derived from: GATEWAY_TOKEN_SECRET, or one generated once beside a SQLite
    ledger (`<db>.token-secret`). A PostgreSQL ledger's replicas must share one: without it each process draws its
    own, and a session's token can be given again only by the process that opened it (logged)."""
    if settings.token_secret:
        return hashlib.sha256(settings.token_secret.encode()).digest()
    if settings.db != ":memory:" and not is_server(settings.db):
        return bytes.fromhex(kept_secret(settings.db + ".token-secret").removeprefix("0x"))
    logging.getLogger("gateway_min").warning("GATEWAY_TOKEN_SECRET is not set: session tokens can be given again "
                                             "only by the process that opened the session")
    return secrets.token_bytes(32)


def kept_secret(path: str) -> str:
    """A random 32-byte hex secret kept in `path` (created once with mode 0600; processes starting together all end
    up with the first one written)."""
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        draft = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write("0x" + secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # link is atomic: the first writer's secret wins
            os.link(draft, path)
        os.unlink(draft)
    with open(path) as stored:
        return stored.read().strip()


def _account(private_key: str) -> LocalAccount:
    account: LocalAccount = Account.from_key(private_key)
    return account


def facilitator_headers(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


def facilitator(settings: Settings, client: httpx.AsyncClient) -> tuple[Facilitator, EmbeddedFacilitator | None]:
    """(what the gateway verifies and settles with, the embedded facilitator to serve over HTTP or None)."""
    if settings.facilitator_url:
        return HttpFacilitator(settings.facilitator_url, client, timeout=30.0,
                               headers=facilitator_headers(settings.facilitator_token)), None
    path, _ = settings.facilitator_files()
    embedded = EmbeddedFacilitator(path, facilitator_signer(settings), extensions=FACILITATOR_EXTENSIONS)
    return LocalFacilitator(embedded), embedded


def runtime(settings: Settings, client: httpx.AsyncClient) -> Runtime | None:
    if settings.runtime_url:
        return HttpRuntime(settings.runtime_url, client)
    return DemoRuntime(chunk_delay=settings.demo_chunk_delay) if settings.demo else None


def http_client() -> httpx.AsyncClient:
    """One shared client for every upstream, on the lean keep-alive transport (upstream/transport.py);
    long reads for streams."""
    timeout = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=30.0)
    return UpstreamClient(transport=LeanTransport(), timeout=timeout, follow_redirects=False)


def access_logged(app: ASGIApp, *, as_json: bool = False) -> ASGIApp:
    """`app` behind the access log, whose lines go to standard output (uvicorn configures only its own loggers)."""
    logger = logging.getLogger("gateway_min.access")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s" if as_json else "%(asctime)s access %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return AccessLog(app, as_json=as_json)


def build(settings: Settings, *, providers: Providers | None = None) -> ASGIApp:
    ledger = open_ledger(settings.db, durable_sync=settings.durable_sync)
    client = http_client()
    if providers is None:
        if settings.demo:
            providers = Providers(every=DemoProvider(chunk_delay=settings.demo_chunk_delay))
        elif settings.upstream_url:
            providers = Providers(every=HttpProvider(settings.upstream_url, settings.upstream_key, client))
        else:
            providers = Providers.from_catalog(client)
    paying, embedded = facilitator(settings, client)
    gw = Gateway(ledger=ledger, providers=providers, admin_token=settings.admin_token, clock=wall_clock_ms,
                 facilitator=paying, embedded_facilitator=embedded, runtime=runtime(settings, client),
                 intent_ttl_ms=settings.hold_ttl * 1000, stream_ttl_ms=settings.stream_hold_ttl * 1000,
                 sweep_seconds=settings.sweep_interval, token_secret=token_secret(settings),
                 public_url=settings.public_url.rstrip("/") if settings.public_url else None)
    if isinstance(paying, LocalFacilitator):  # a lone request's facilitator calls run on the loop (no thread hop)
        paying.inline = lambda: gw.in_flight <= 1

    async def startup() -> None:  # fail fast: a ledger that cannot be reached or migrated, an unusable facilitator
        await ledger.start()
        gw.x402_kinds = await check_facilitator(paying)
        # in uvicorn's start-up log, where an operator looks: which ledger, and how durable its settlements are
        logging.getLogger("uvicorn.error").info("ledger %s", ledger.description)

    async def shutdown() -> None:
        await client.aclose()
        await ledger.aclose()
        if embedded is not None:
            embedded.close()

    app: ASGIApp = App(gw, on_shutdown=shutdown, on_startup=startup)
    if settings.access_log:
        app = access_logged(app, as_json=settings.access_log_format == "json")
    origins = parse_origins(settings.cors_origins)
    return Cors(app, origins) if origins else app


def create_app() -> ASGIApp:
    """uvicorn factory: `uvicorn --factory gateway_min.server:create_app` (settings from the environment).

    It also puts the interpreter's recursion limit back to CPython's default: importing eth_account imports py_ecc,
    which raises it to 100,000 for its own pairing code (py_ecc/__init__.py), which the gateway never calls. At
    that limit a recursion over deeply nested input overflows the C stack and kills the serving process, with every
    request in flight, instead of raising RecursionError."""
    sys.setrecursionlimit(min(sys.getrecursionlimit(), RECURSION_LIMIT))
    return build(Settings.from_env())
