"""The ASGI application: routes, the error boundary, start-up and shutdown (lifespan)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Final

from gateway_min import metrics
from gateway_min.context import Gateway
from gateway_min.http import HTTPError, Request, send_error
from gateway_min.http.access_log import PAID_WITH
from gateway_min.http.types import Message, Receive, Scope, Send
from gateway_min.payment.compose_key.collect import collect_due
from gateway_min.routes import build_router

log = logging.getLogger("gateway_min")
REQUEST_ID: Final = re.compile(r"[A-Za-z0-9_.:-]{1,128}")  # a caller's X-Request-Id is echoed if it matches (§2)
REQUEST_ID_KEY: Final = "gateway_min.request_id"


class App:
    """Pure ASGI: every HTTP request goes through the router inside one error boundary."""

    def __init__(self, gw: Gateway, *, on_shutdown: Callable[[], Awaitable[None]] | None = None,
                 on_startup: Callable[[], Awaitable[None]] | None = None) -> None:
        self.gw = gw
        self.router = build_router(gw)
        self.on_shutdown = on_shutdown
        self.on_startup = on_startup
        self._sweeper: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        style = "openai" if request.path.startswith("/external/") else "compose"
        started = False
        status = 0
        template = "unmatched"
        request_id = request.headers.get("x-request-id")
        if request_id is None or not REQUEST_ID.fullmatch(request_id):
            request_id = "req_" + secrets.token_hex(16)  # as random as a UUID's hex, at a third of its cost
            request.headers["x-request-id"] = request_id  # what a runtime we forward to sees too
        echoed = (b"x-request-id", request_id.encode())
        scope[REQUEST_ID_KEY] = request_id  # for the access log

        async def tracking_send(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message["headers"], echoed]
            await send(message)

        try:
            route = self.router.match(request)
            style, template = route.style, route.template
            await route.handler(request, tracking_send)
        except HTTPError as error:
            if not started:
                await send_error(tracking_send, error, style)
        except Exception:
            log.exception("unhandled error on %s %s (request %s)", request.method, request.path, request_id)
            if not started:
                await send_error(tracking_send, HTTPError(500, "internal_error", "internal error"), style)
        finally:
            metrics.requests.labels(metrics.family(template), template, str(status),
                                    scope.get(PAID_WITH, "none")).inc()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.on_startup is not None:
                    try:
                        await self.on_startup()
                    except Exception as exc:  # fail fast: uvicorn logs the message and exits
                        await send({"type": "lifespan.startup.failed", "message": str(exc)})
                        return
                self._sweeper = asyncio.ensure_future(self._sweep())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._sweeper is not None:
                    self._sweeper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._sweeper
                if self.gw.tasks:
                    await asyncio.gather(*self.gw.tasks, return_exceptions=True)
                if self.on_shutdown is not None:
                    await self.on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _sweep(self) -> None:
        """Abandoned holds expire even when nobody reserves on their key again (I6); then the wallet keys that ended
        are collected (payment/compose_key/collect.py), those another process left mid-way included."""
        while True:
            await asyncio.sleep(self.gw.sweep_seconds)
            try:
                expired = await self.gw.ledger.expire_due()
                if expired:
                    log.info("sweeper expired %d abandoned hold(s)", expired)
                collected = await collect_due(self.gw)
                if collected:
                    log.info("sweeper collected %d wallet key(s)", collected)
            except Exception:
                log.exception("sweeper failed")
