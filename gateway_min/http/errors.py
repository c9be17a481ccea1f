"""The one error type of the HTTP layer: raised anywhere, answered as JSON in the route's error style."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

OPENAI_TYPES: Final = {400: "invalid_request_error", 401: "authentication_error", 402: "insufficient_quota",
                403: "permission_error", 404: "invalid_request_error", 409: "conflict_error", 429: "rate_limit_error"}


class HTTPError(Exception):
    """An error answered as JSON. `style` picks the body: OpenAI-shaped, Compose envelope, or legacy string."""

    def __init__(self, status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None,
                 details: Any = None, style: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.details = details
        self.style = style

    def body(self, style: str) -> dict[str, Any]:
        style = self.style or style
        if style == "openai":
            kind = OPENAI_TYPES.get(self.status, "api_error")
            return {"error": {"message": self.message, "type": kind, "param": None, "code": self.code}}
        if style == "legacy":
            return {"error": self.message, "code": self.code}
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}
