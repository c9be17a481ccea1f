"""The running gateway against its own /openapi.json, with schemathesis: generated requests on every operation
(with a funded Compose Key, the admin token or nothing, as each operation's security says) must never get a 5xx
the document does not list, and every answer's status, content type and body must be what the document says.
Afterwards the ledger the fuzzing wrote to passes its audit (`ledger check`)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.core.result import Err
from schemathesis.generation.case import Case

from gateway_min.routes import PAID
from generated.catalog import MODELS, PROVIDERS
from tests.gateway.support import ADMIN, KEY_HEADERS, gateway_process

# Each example is a real HTTP call on a real server: 25 per operation is ~1,900 calls, ~20 s here
EXAMPLES = 25
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


class Live:
    def __init__(self, base: str, db: Path, key: str) -> None:
        self.base, self.db, self.key = base, db, key


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with gateway_process(tmp) as base:
        created = httpx.post(f"{base}/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": 10**15, "expiresAt": 4_102_444_800_000, "chainId": 43113, "purpose": "api"})
        assert created.status_code == 201, created.text
        yield Live(base, tmp / "gateway.sqlite3", created.json()["token"])
    with sqlite3.connect(tmp / "gateway.sqlite3") as db:  # a paid call's hold (dispatched) never outlives it;
        # holds made with /api/payments/prepare are the client's to settle or let expire
        left_open = db.execute("SELECT id, action FROM intents WHERE state = 'authorized' "
                               "AND dispatched_at IS NOT NULL").fetchall()
        paid = db.execute("SELECT count(*) FROM intents WHERE state = 'settled' AND service = 'inference'").fetchone()
    assert left_open == [], left_open
    assert paid[0] >= 20, "the fuzzing should reach settled paid calls"
    audit = subprocess.run([sys.executable, "-m", "gateway_min", "ledger", "check", "--db", str(tmp / "gateway.sqlite3")],
                           capture_output=True, text=True, check=False)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def _credential(case: Case[Any], live: Live) -> dict[str, str]:
    """The header the operation's first security requirement asks for (none for a public route)."""
    requirements = case.operation.definition.raw.get("security", [])
    names = [name for requirement in requirements for name in requirement]
    if "ComposeKey" in names:
        return {"authorization": f"Bearer {live.key}"}
    if "Admin" in names:
        return {"authorization": f"Bearer {ADMIN}"}
    return {}


def _models(path: str) -> list[str]:
    """The served models of the paid operation at `path` (none for another route): a generated body names one of
    them half of the time, so the fuzzing reaches quoting, holding, the upstream and the settlement, not only the
    404 of a random model id."""
    kinds = [kind for suffix, kind in PAID.items() if path.endswith(f"/{suffix}")]
    if not kinds:
        return []
    return sorted(model.id for model in MODELS
                  if PROVIDERS[model.provider].base_url is not None and kinds[-1] in model.operations)


def test_gateway_answers_as_documented(live: Live) -> None:
    """Every operation, EXAMPLES generated cases each (hypothesis, derandomized: the same cases on every run); the
    failures of all operations are reported together. (schemathesis' pytest plugin is not used: it reaches into a
    pytest internal that pytest 9 removed.)"""
    schema = schemathesis.openapi.from_url(f"{live.base}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures.append(f"an operation schemathesis cannot read: {result.err()}")
            continue
        operation = result.ok()
        operations += 1

        models = _models(operation.path)

        @given(case=operation.as_strategy(), model=st.sampled_from(models) if models else st.none(),
               use=st.booleans())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case: Case[Any], model: str | None, use: bool) -> None:
            if use and model is not None and isinstance(case.body, dict):
                case.body["model"] = model
            case.call_and_validate(base_url=live.base, headers=_credential(case, live), checks=CHECKS)

        try:
            fuzz()
        except Exception as failure:  # every operation's failure is collected, then all reported
            failures.append(f"{operation.label}: {failure}")
    assert operations >= 70
    assert not failures, "\n\n".join(failures)
