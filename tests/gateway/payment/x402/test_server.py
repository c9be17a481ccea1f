"""Start-up: the embedded facilitator by default (its key and file next to the ledger), --facilitator-url checked
before serving, and settings that travel to uvicorn workers through the environment."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway_min.cli.serve import preflight
from gateway_min.payment.x402 import LocalFacilitator, SupportedKind, SupportedResponse
from gateway_min.payment.x402.offer import FacilitatorMisconfigured, usable_kinds
from gateway_min.runtime.upstream import DemoRuntime, HttpRuntime
from gateway_min.server import DEMO_FACILITATOR_KEY, Settings, build, facilitator_headers, facilitator_signer
from tests.gateway.payment.x402.support import ADMIN, build_x402
from tests.gateway.payment.x402.wallets import FACILITATOR_KEY
from tests.gateway.support import serve


def test_settings_travel_through_the_environment() -> None:
    settings = Settings(db="/tmp/x.sqlite3", facilitator_url="http://facilitator.test/api", runtime_url="http://rt",
                        facilitator_key=FACILITATOR_KEY.key.hex(), admin_token="a", facilitator_token="t")
    assert Settings.from_env(settings.export()) == settings
    assert facilitator_headers(settings.facilitator_token) == {"authorization": "Bearer t"}
    assert facilitator_headers(None) == {}
    assert Settings.from_env({}).facilitator_url is None


def test_the_facilitator_key(tmp_path: Path) -> None:
    db = str(tmp_path / "g.sqlite3")
    demo = facilitator_signer(Settings(db=db, demo=True))
    assert demo.key.hex() == DEMO_FACILITATOR_KEY[2:]
    assert facilitator_signer(Settings(db=db, facilitator_key=FACILITATOR_KEY.key.hex())) == FACILITATOR_KEY
    generated = facilitator_signer(Settings(db=db))
    assert facilitator_signer(Settings(db=db)).address == generated.address  # stored once, read after
    assert stat.S_IMODE(os.stat(db + ".facilitator.key").st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["g.sqlite3.facilitator.key"]


async def lifespan(app: Any) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    return sent


@pytest.mark.anyio
async def test_the_default_build_embeds_the_facilitator_and_serves_it(tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="uvicorn.error")
    app = build(Settings(db=str(tmp_path / "g.sqlite3"), demo=True, admin_token="t"))
    assert isinstance(app.gw.facilitator, LocalFacilitator) and isinstance(app.gw.runtime, DemoRuntime)
    assert (tmp_path / "g.sqlite3.facilitator.sqlite3").exists()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as client:
        supported = await client.get("/api/x402/facilitator/supported")
        challenge = await client.post("/v1/chat/completions", json={"model": "gpt-4.1", "messages": [
            {"role": "user", "content": "hi"}]})
    assert supported.json()["signers"]["eip155:*"] == [app.gw.embedded_facilitator.address]  # type: ignore[union-attr]
    assert challenge.status_code == 402
    sent = await lifespan(app)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert app.gw.x402_kinds is not None
    assert f"ledger {tmp_path / 'g.sqlite3'}, durability full (each settlement fsynced" in caplog.text


def test_a_durability_mode_that_does_not_exist_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="FULL or NORMAL, got 'OFF'"):
        build(Settings.from_env({"GATEWAY_DB": str(tmp_path / "g.sqlite3"), "GATEWAY_SYNC": "off"}))


@pytest.mark.anyio
async def test_an_unreachable_facilitator_url_fails_start_up(tmp_path: Path) -> None:
    app = build(Settings(db=str(tmp_path / "g.sqlite3"), facilitator_url="http://127.0.0.1:9/facilitator",
                         runtime_url="http://127.0.0.1:9"))
    assert app.gw.embedded_facilitator is None and isinstance(app.gw.runtime, HttpRuntime)
    sent = await lifespan(app)
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "/supported could not be read" in sent[0]["message"]
    app.gw.ledger.close()


def test_preflight_names_the_problem() -> None:
    problem = preflight("http://127.0.0.1:9/facilitator")
    assert problem is not None and problem.startswith("the facilitator's /supported could not be read")


def test_preflight_refuses_a_facilitator_that_would_not_settle_for_us(tmp_path: Path) -> None:
    """Another gateway's embedded facilitator settles only for its admin token; /supported alone would not tell."""
    other = build_x402(tmp_path)
    with serve(other.h.app) as base:
        url = f"{base}/api/x402/facilitator"
        missing, wrong, right = preflight(url), preflight(url, "nope"), preflight(url, ADMIN)
    other.h.ledger.close()
    other.embedded.close()
    for problem in (missing, wrong):
        assert problem == ("the facilitator would refuse to settle: POST /settle answers HTTP 401: check "
                           "GATEWAY_FACILITATOR_TOKEN")
    assert right is None


def test_a_facilitator_without_upto_on_our_network_is_refused() -> None:
    exact_only = SupportedResponse(kinds=[SupportedKind(x402_version=2, scheme="exact", network="eip155:43113"),
                                          SupportedKind(x402_version=2, scheme="upto", network="eip155:84532",
                                                        extra={"facilitatorAddress": "0x" + "1" * 40})])
    with pytest.raises(FacilitatorMisconfigured, match=r"lacks x402 v2 'exact' and 'upto'.*eip155:43113"):
        usable_kinds(exact_only)
    no_address = SupportedResponse(kinds=[SupportedKind(x402_version=2, scheme=s, network="eip155:43113")
                                          for s in ("exact", "upto")])
    with pytest.raises(FacilitatorMisconfigured):
        usable_kinds(no_address)
