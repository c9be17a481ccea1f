"""Build the app from the environment (so that every uvicorn worker process builds the same one)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import httpx

from gateway_min.app import App
from gateway_min.context import Gateway
from gateway_min.demo import DemoProvider
from gateway_min.ledger import Ledger, wall_clock_ms
from gateway_min.transport import LeanTransport, UpstreamClient
from gateway_min.upstream import HttpProvider, Providers

DEFAULT_DB: Final = "var/gateway.sqlite3"


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    demo: bool = False
    upstream_url: str | None = None
    upstream_key: str | None = None
    admin_token: str | None = None
    durable_sync: str = "FULL"
    demo_chunk_delay: float = 0.0

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
        )

    def export(self) -> dict[str, str]:
        """The environment that makes `from_env` return these settings in a worker process."""
        out = {"GATEWAY_DB": self.db, "GATEWAY_DEMO": "1" if self.demo else "0", "GATEWAY_SYNC": self.durable_sync,
               "GATEWAY_DEMO_CHUNK_DELAY": str(self.demo_chunk_delay)}
        if self.upstream_url:
            out["GATEWAY_UPSTREAM_URL"] = self.upstream_url
        if self.admin_token:
            out["COMPOSE_ADMIN_TOKEN"] = self.admin_token
        return out


def http_client() -> httpx.AsyncClient:
    """One shared client for every upstream, on the lean keep-alive transport (gateway_min/transport.py);
    long reads for streams."""
    timeout = httpx.Timeout(connect=10.0, read=600.0, write=60.0, pool=30.0)
    return UpstreamClient(transport=LeanTransport(), timeout=timeout, follow_redirects=False)


def build(settings: Settings, *, providers: Providers | None = None) -> App:
    ledger = Ledger(settings.db, durable_sync=settings.durable_sync)
    client = http_client()
    if providers is None:
        if settings.demo:
            providers = Providers(every=DemoProvider(chunk_delay=settings.demo_chunk_delay))
        elif settings.upstream_url:
            providers = Providers(every=HttpProvider(settings.upstream_url, settings.upstream_key, client))
        else:
            providers = Providers.from_catalog(client)
    gw = Gateway(ledger=ledger, providers=providers, admin_token=settings.admin_token, clock=wall_clock_ms)

    async def shutdown() -> None:
        await client.aclose()
        ledger.close()

    return App(gw, on_shutdown=shutdown)


def create_app() -> App:
    """uvicorn factory: `uvicorn --factory gateway_min.server:create_app` (settings from the environment)."""
    return build(Settings.from_env())
