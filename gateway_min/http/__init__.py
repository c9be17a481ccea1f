"""HTTP plumbing on raw ASGI: requests with bounded bodies, responses, JSON errors, a router, SSE framing,
multipart uploads and the access log. No framework, and nothing here knows about money."""

from gateway_min.http.errors import HTTPError
from gateway_min.http.request import MAX_BODY, SMALL_BODY, Request, parse_json
from gateway_min.http.response import send_bytes, send_error, send_json

__all__ = ["MAX_BODY", "SMALL_BODY", "HTTPError", "Request", "parse_json", "send_bytes", "send_error", "send_json"]
