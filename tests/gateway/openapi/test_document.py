"""The OpenAPI document: it describes exactly the routes the router serves (a route added without an entry fails
the build), it is served at /openapi.json as built, and its operations say who may call them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway_min.http.router import Router
from gateway_min.openapi.document import document
from gateway_min.routes import build_router
from generated.catalog import CATALOG_VERSION
from tests.gateway.support import build


def _router(tmp: Path) -> Router:
    harness = build(tmp)
    harness.close()
    return build_router(harness.gw)


def test_every_served_route_is_documented_once(tmp_path: Path) -> None:
    router = _router(tmp_path)
    doc = document(router, CATALOG_VERSION)
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    served = {(route.method, route.template.replace(":path}", "}")) for route in router.routes()}
    assert documented == served and len(documented) == len(router.routes())
    assert doc["openapi"] == "3.1.0" and doc["info"]["version"] == CATALOG_VERSION
    chat = doc["paths"]["/v1/chat/completions"]["post"]
    assert chat["security"] == [{"ComposeKey": []}, {"X402": []}]
    assert set(chat["responses"]["200"]["content"]) == {"application/json", "text/event-stream"}
    assert "PAYMENT-REQUIRED" in chat["responses"]["402"]["headers"]
    assert doc["paths"]["/external/v1/chat/completions"]["post"]["security"] == [{"ComposeKey": []}]
    assert doc["paths"]["/metrics"]["get"]["security"] == [{"Admin": []}]
    assert "security" not in doc["paths"]["/health"]["get"]
    refs = {ref for ref in _refs(doc["paths"])}
    assert refs <= {f"#/components/schemas/{name}" for name in doc["components"]["schemas"]}, "a dangling $ref"


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        return [ref for key, value in node.items() for ref in ([value] if key == "$ref" else _refs(value))]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def test_a_route_without_an_entry_fails_the_build(tmp_path: Path) -> None:
    router = _router(tmp_path)

    async def nothing(*_: object) -> None:
        return None

    router.add("GET", "/v1/undocumented", nothing)
    with pytest.raises(KeyError, match=r"undocumented \[\('GET', '/v1/undocumented'\)\]"):
        document(router, CATALOG_VERSION)


@pytest.mark.anyio
async def test_served_as_built(tmp_path: Path) -> None:
    harness = build(tmp_path)
    async with harness.client() as client:
        first = await client.get("/openapi.json")
        second = await client.get("/openapi.json")
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/json")
    assert first.content == second.content
    assert first.json() == document(build_router(harness.gw), CATALOG_VERSION)
    await harness.aclose()
