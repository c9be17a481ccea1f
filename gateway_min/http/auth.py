"""Who a request says it is: the bearer token of its Authorization header, and whether it is the operator's."""

from __future__ import annotations

import hmac
from typing import Final

from gateway_min.http.request import Request

COMPOSE_PREFIX: Final = "compose-"


def bearer(request: Request) -> str | None:
    """`Authorization: Bearer <token>`'s token; a bare `compose-...` is accepted too (Compose Keys' legacy form)."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return value.strip() if value.strip().startswith(COMPOSE_PREFIX) else None


def is_admin(request: Request, admin_token: str | None) -> bool:
    """The bearer token is the operator's admin token (compared in constant time); never when none is set."""
    token = bearer(request)
    return bool(admin_token and token and hmac.compare_digest(token.encode(), admin_token.encode()))
