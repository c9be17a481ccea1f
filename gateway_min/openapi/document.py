"""The OpenAPI 3.1 document of the gateway, built from the route table the app serves (routes/__init__.py) and
what operations.py says of each route; its schemas are the pydantic models of models.py.

Security schemes: `ComposeKey` (Authorization: Bearer compose-…), `X402` (a PAYMENT-SIGNATURE header; native paid
routes only), `Admin` (the admin token as bearer), `ReadToken` (x-compose-read-token, for the never-billed reads).
A paid route documents its 402 challenge (the PaymentRequired body and its base64 PAYMENT-REQUIRED header), and
every route the error bodies of its style (Compose's envelope, OpenAI's on /external/v1, the legacy one of the
intent routes), for each status the gateway answers.
"""

from __future__ import annotations

import re
from typing import Any, Final

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from gateway_min.http.router import Router
from gateway_min.openapi import models as m
from gateway_min.openapi.operations import JSON, Op, table

_PARAM: Final = re.compile(r"\{([a-z_]+)(:path)?\}")
SECURITY: Final = {
    "ComposeKey": {"type": "http", "scheme": "bearer", "bearerFormat": "compose-key",
                   "description": "A Compose Key: `Authorization: Bearer compose-…`"},
    "X402": {"type": "apiKey", "in": "header", "name": "PAYMENT-SIGNATURE",
             "description": "An x402 v2 PaymentPayload, base64 JSON (native paid routes; the 402 says what to sign)"},
    "Admin": {"type": "http", "scheme": "bearer", "description": "The operator's admin token (COMPOSE_ADMIN_TOKEN)"},
    "ReadToken": {"type": "apiKey", "in": "header", "name": "x-compose-read-token",
                  "description": "The read token a paid answer carried (reads of what was served)"},
}
AUTH: Final[dict[str, list[dict[str, list[str]]]]] = {
               "none": [], "paid": [{"ComposeKey": []}, {"X402": []}], "key": [{"ComposeKey": []}],
               "admin": [{"Admin": []}], "owner": [{"ComposeKey": []}, {"Admin": []}],
               "read": [{"ComposeKey": []}, {"ReadToken": []}], "optional_admin": [{}, {"Admin": []}],
               "optional_key": [{}, {"ComposeKey": []}]}
ERRORS: Final[dict[str, type[BaseModel]]] = {"compose": m.ErrorEnvelope, "openai": m.OpenAIError,
                                             "legacy": m.LegacyError}
STATUS_TEXT: Final = {400: "Bad request", 401: "No or a refused credential", 402: "Payment required",
                      403: "Forbidden", 404: "Not found", 405: "Method not allowed", 408: "Request timeout",
                      409: "Conflict", 413: "Body too large", 415: "Not JSON", 422: "Unprocessable", 429: "Too many",
                      501: "Provider not callable", 502: "Upstream failure", 503: "Unavailable",
                      504: "Payment deadline"}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _models() -> list[type[BaseModel]]:
    return [value for value in vars(m).values() if isinstance(value, type) and issubclass(value, BaseModel)
            and value.__module__ == m.__name__ and value not in (m.Open, m.Closed)]


def _errors(op: Op, style: str) -> dict[str, Any]:
    error = _ref(ERRORS.get(style, m.ErrorEnvelope))
    statuses = [400, 404, 405, 408, 409, 413, 415]
    if op.auth != "none":
        statuses += [401, 403]
    if op.auth in ("paid", "key", "optional_admin"):
        statuses.append(402)
    if op.upstream:
        statuses += [501, 502, 503, 504]
    out: dict[str, Any] = {}
    for status in sorted(set(statuses)):
        schema: dict[str, Any] = error
        headers = {}
        if status == 400 and op.refusal is not None:
            schema = {"oneOf": [_ref(op.refusal), error]}
        if status == 402 and style != "openai":
            schema = {"oneOf": [_ref(m.PaymentRequired), error]}
            headers = {"PAYMENT-REQUIRED": {"description": "the PaymentRequired, base64 JSON (x402 v2)",
                                            "schema": {"type": "string"}}}
        out[str(status)] = {"description": STATUS_TEXT[status], "content": {JSON: {"schema": schema}},
                            **({"headers": headers} if headers else {})}
    return out


def _success(op: Op) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for media in op.media:
        if media == JSON and op.answer is not None:
            content[media] = {"schema": _ref(op.answer)}
        else:
            content[media] = {"schema": {"type": "string"}}
    answer = {"description": "OK", "content": content}
    out = {str(op.status): answer}
    if op.accepted is not None:
        out[str(op.accepted)] = {"description": "Accepted: a job the provider is still working on", "content": content}
    return out


def _operation(method: str, template: str, op: Op, style: str) -> dict[str, Any]:
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name, _ in _PARAM.findall(template)]
    if op.auth == "paid" and style != "openai":
        parameters.append({"name": "x-x402-max-amount-wei", "in": "header", "required": False,
                           "schema": {"type": "string", "pattern": "^[0-9]{1,20}$"},
                           "description": "the client's cap on what the call may cost (USDC atomic units)"})
    operation: dict[str, Any] = {"summary": op.summary, "tags": [op.tag],
                                 "operationId": f"{method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', template)}",
                                 "responses": {**_success(op), **_errors(op, style)}}
    if parameters:
        operation["parameters"] = parameters
    if op.body is not None:
        content: dict[str, Any] = {JSON: {"schema": _ref(op.body)}}
        if op.multipart:
            content["multipart/form-data"] = {"schema": {"type": "object"}}
        operation["requestBody"] = {"required": True, "content": content}
    security = AUTH[op.auth] if op.auth != "paid" or style != "openai" else AUTH["key"]
    if security:
        operation["security"] = security
    return operation


def document(router: Router, version: str) -> dict[str, Any]:
    """The document; KeyError naming a route the table does not describe (or an entry with no route)."""
    ops = table()
    served = [(route.method, route.template, route.style) for route in router.routes()]
    missing = sorted({(method, template) for method, template, _ in served} - ops.keys())
    stale = sorted(ops.keys() - {(method, template) for method, template, _ in served})
    if missing or stale:
        raise KeyError(f"the OpenAPI table and the routes differ: undocumented {missing}, no route for {stale}")
    paths: dict[str, dict[str, Any]] = {}
    for method, template, style in sorted(served, key=lambda item: (item[1], item[0])):
        path = _PARAM.sub(lambda found: "{" + found[1] + "}", template)
        paths.setdefault(path, {})[method.lower()] = _operation(method, template, ops[method, template], style)
    _, schemas = models_json_schema([(model, "validation") for model in _models()],
                                    ref_template="#/components/schemas/{model}")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Compose gateway", "version": version,
                 "description": "Paid AI inference over HTTP: Compose Keys and raw x402 v2 (docs/GATEWAY.md)."},
        "paths": paths,
        "components": {"schemas": schemas.get("$defs", {}), "securitySchemes": SECURITY},
    }
