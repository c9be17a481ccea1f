"""`keys create | list | show | revoke`, on the ledger directly and through a running gateway's key API: an
operator never writes SQL or curl; the token is printed once; bad input is one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import orjson

from tests.gateway.support import ADMIN, WALLET, gateway_process

OWNER = WALLET.lower()


def keys(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway_min", "keys", *args], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, **(env or {})})


def test_the_whole_life_of_a_key_on_the_ledger(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.sqlite3")
    made = keys("create", "--db", db, "--owner", WALLET, "--budget", "5000000", "--expires-in", "7d", "--name", "ci",
                "--json")
    assert made.returncode == 0, made.stderr
    created = orjson.loads(made.stdout)
    assert created["token"].startswith("compose-") and created["kind"] == "credit" and created["name"] == "ci"
    listed = orjson.loads(keys("list", "--db", db, "--owner", WALLET, "--json").stdout)
    assert [item["keyId"] for item in listed] == [created["keyId"]] and "token" not in listed[0]
    shown = keys("show", "--db", db, created["keyId"])
    assert shown.returncode == 0 and f"{created['keyId']}  credit/api  live  used 0 of 5000000" in shown.stdout
    revoked = orjson.loads(keys("revoke", "--db", db, created["keyId"], "--json").stdout)
    assert revoked["revokedAt"] is not None
    plain = keys("create", "--db", db, "--owner", WALLET, "--budget", "10", "--purpose", "session")
    assert plain.stdout.startswith("token (shown once): compose-") and "credit/session" in plain.stdout


def test_through_a_running_gateway(tmp_path: Path) -> None:
    with gateway_process(tmp_path) as base:
        made = keys("create", "--url", base, "--owner", WALLET, "--budget", "1000", "--json",
                    env={"COMPOSE_ADMIN_TOKEN": ADMIN})
        assert made.returncode == 0, made.stderr
        created = orjson.loads(made.stdout)
        used = httpx.post(f"{base}/v1/chat/completions", headers={"authorization": f"Bearer {created['token']}"},
                          json={"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5})
        assert used.status_code == 200
        shown = orjson.loads(keys("show", "--url", base, "--admin-token", ADMIN, created["keyId"], "--json").stdout)
        assert int(shown["budgetUsed"]) > 0
        listed = orjson.loads(keys("list", "--url", base, "--admin-token", ADMIN, "--owner", WALLET, "--json").stdout)
        assert created["keyId"] in [item["keyId"] for item in listed]
        revoked = orjson.loads(keys("revoke", "--url", base, "--admin-token", ADMIN, created["keyId"], "--json").stdout)
        assert revoked["revokedAt"] is not None
        wrong = keys("show", "--url", base, "--admin-token", "nope", created["keyId"])
    assert wrong.returncode == 2 and "the gateway answered 401" in wrong.stderr


def test_bad_input_is_one_line_and_nothing_is_made(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.sqlite3")
    for args, message in ((("create", "--owner", "0x12", "--budget", "5"), "--owner must be 0x and 40 hex digits"),
                          (("create", "--owner", WALLET, "--budget", "0"), "--budget must be a positive number"),
                          (("create", "--owner", WALLET, "--budget", "5", "--expires-in", "soon"), "--expires-in"),
                          (("show", "nope"), "no key nope")):
        ran = keys(*args, "--db", db)
        assert ran.returncode == 2 and message in ran.stderr and ran.stderr.count("\n") == 1, ran.stderr
    no_token = keys("list", "--url", "http://127.0.0.1:9", "--owner", WALLET, env={"COMPOSE_ADMIN_TOKEN": ""})
    assert no_token.returncode == 2 and "needs the admin token" in no_token.stderr
    unreachable = keys("show", "--url", "http://127.0.0.1:9", "--admin-token", "x", "k")
    assert unreachable.returncode == 2 and "could not be reached" in unreachable.stderr
    assert orjson.loads(keys("list", "--db", db, "--owner", OWNER, "--json").stdout) == []
