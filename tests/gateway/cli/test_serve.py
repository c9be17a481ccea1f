"""`serve` fails fast on a port that is taken (one line, nothing minted, no banner), and `serve --demo` keeps its
demo key across restarts and prints the admin token only when it generated it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway_min.cli import demo
from gateway_min.ledger import open_ledger
from gateway_min.payment.compose_key.tokens import token_hash
from tests.gateway.support import ADMIN, gateway_server


def test_a_port_that_is_taken_fails_at_once_with_one_line_and_mints_nothing(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = tmp_path / "demo.sqlite3"
        started = time.monotonic()
        ran = subprocess.run([sys.executable, "-m", "gateway_min", "serve", "--demo", "--db", str(db), "--port",
                              str(port)], capture_output=True, text=True, timeout=60, check=False,
                             env={k: v for k, v in os.environ.items() if k != "COMPOSE_ADMIN_TOKEN"})
    assert ran.returncode == 2
    assert time.monotonic() - started < 15  # at once: no start-up, no key, no banner first
    assert ran.stdout == ""
    assert ran.stderr.count("\n") == 1, ran.stderr
    assert f"127.0.0.1:{port}" in ran.stderr and "--port" in ran.stderr
    assert not db.exists() and not demo.key_file(str(db)).exists()  # no ledger made, no demo key minted


def test_the_demo_key_is_kept_and_reused_while_it_is_live(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.sqlite3")
    token, new = demo.demo_key(db)
    again, new_again = demo.demo_key(db)
    assert new and not new_again and again == token
    assert demo.key_file(db).stat().st_mode & 0o777 == 0o600
    ledger = open_ledger(db)
    try:
        key = asyncio.run(ledger.key_by_hash(token_hash(token)))
        assert key is not None and key.budget == demo.DEMO_BUDGET
        asyncio.run(ledger.revoke_key(key.id))
        keys = asyncio.run(ledger.list_keys(demo.DEMO_WALLET))
    finally:
        ledger.close()
    assert len(keys) == 1  # two starts, one key
    replaced, replaced_new = demo.demo_key(db)  # a revoked demo key is replaced, once
    assert replaced_new and replaced != token
    assert demo.key_file(db).read_text().strip() == replaced


@pytest.mark.parametrize("kept", ["compose-not-a-key-of-this-ledger", ""])
def test_a_kept_token_the_ledger_does_not_know_is_replaced(tmp_path: Path, kept: str) -> None:
    db = str(tmp_path / "demo.sqlite3")
    demo.key_file(db).write_text(kept + "\n")
    token, new = demo.demo_key(db)
    assert new and token != kept


def test_restarting_the_demo_prints_the_same_key_and_never_an_admin_token_from_the_environment(
        tmp_path: Path) -> None:
    banners = []
    for _ in range(2):
        with gateway_server(tmp_path) as _:  # COMPOSE_ADMIN_TOKEN=ADMIN in its environment
            banners.append((tmp_path / "server.log").read_text())
    keys = [line.split()[-1] for text in banners for line in text.splitlines() if "demo Compose Key" in line]
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0].startswith("compose-")
    assert "kept from the last start" in banners[1]
    for text in banners:
        assert ADMIN not in text
        assert "(from COMPOSE_ADMIN_TOKEN, not shown)" in text and "Bearer $COMPOSE_ADMIN_TOKEN" in text


def test_an_admin_token_the_demo_generated_is_printed() -> None:
    text = demo.banner("127.0.0.1", 8402, "admin-generated", "compose-x", new_key=True)
    assert "admin token (COMPOSE_ADMIN_TOKEN): admin-generated" in text
    assert "Bearer admin-generated" in text


def test_check_on_a_free_port_says_nothing_and_leaves_nothing(tmp_path: Path) -> None:
    """What ./scripts/run runs first, so that a taken port fails before the catalog is built and summarised."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = tmp_path / "demo.sqlite3"
    ran = subprocess.run([sys.executable, "-m", "gateway_min", "serve", "--demo", "--check", "--db", str(db), "--port",
                          str(port)], capture_output=True, text=True, timeout=60, check=False)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")
    assert not db.exists() and not demo.key_file(str(db)).exists()
    assert "serve --demo --check" in (Path(__file__).resolve().parents[3] / "scripts" / "run").read_text()
