"""The client libraries people use (pinned in the `compat` extra) against a live demo gateway, on both route families.

One gateway (`python -m gateway_min serve --demo`, as deployed) serves the whole suite; every test gets a fresh
Compose Key on one route family (`/external/v1` or `/v1`) and ends by checking the ledger (Account.settled): nothing
left held, every call settled from measured usage (none estimated), and the key's used amount exactly the sum of the
receipts. Nothing here may reach past 127.0.0.1: a look-up of any other host fails the test.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.compat.ledger import Account
from tests.gateway.support import ADMIN, KEY_HEADERS, gateway_process

# before any test module imports them: litellm fetches its cost map from GitHub at import unless told not to (with no
# network it hangs); openai-agents exports traces to api.openai.com, langsmith to its cloud
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["LITELLM_LOG"] = "ERROR"
os.environ["OPENAI_AGENTS_DISABLE_TRACING"] = "1"
os.environ["LANGSMITH_TRACING"] = "false"

# Third-party warnings these tests (filterwarnings = error) let pass, each by its message, in this folder only
WARNINGS = (
    # litellm 1.108.7 imports modules lazily (its GitHub Copilot authenticator on a first completion) whose
    # TypedDicts mark items ReadOnly, which pydantic warns it does not enforce
    "ignore:Item.* on TypedDict class .* using the `ReadOnly` qualifier:UserWarning",
    # litellm reads pydantic's model_computed_fields (and model_fields) off instances
    "ignore:Accessing the 'model_(computed_)?fields' attribute on the instance is deprecated"
    ":pydantic.warnings.PydanticDeprecatedSince211:litellm",
    # llama-index's workflows (a FunctionAgent) look for their steps with inspect.getmembers, which reads every
    # attribute of the (pydantic) agent, pydantic's deprecated ones too (__fields__, __fields_set__ …)
    "ignore::pydantic.warnings.PydanticDeprecationWarning:inspect",
)
FAMILIES = ("/external/v1", "/v1")
LOCAL = frozenset({"127.0.0.1", "localhost", "::1"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            for line in WARNINGS:
                item.add_marker(pytest.mark.filterwarnings(line))


class Live:
    def __init__(self, base: str, db: Path) -> None:
        self.base, self.db = base, db

    def account(self, family: str) -> Account:
        created = httpx.post(f"{self.base}/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": 100_000_000, "expiresAt": 4_102_444_800_000, "chainId": 43113, "purpose": "api"})
        assert created.status_code == 201, created.text
        body = created.json()
        return Account(self.base, family, body["token"], body["keyId"], self.db, ADMIN)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("compat")
    with gateway_process(tmp) as base:
        yield Live(base, tmp / "gateway.sqlite3")


@pytest.fixture(params=FAMILIES, ids=["external", "native"])
def account(request: pytest.FixtureRequest, live: Live) -> Account:
    """A fresh Compose Key (100 USDC) on one route family; `account.url` is the base URL a client is given."""
    return live.account(str(request.param))


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A library that tries any host but 127.0.0.1 (a cost map, a tokenizer, telemetry) fails the test."""
    reached: list[str] = []
    resolve = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in LOCAL:
            reached.append(name)
            raise OSError(f"the compat suite runs offline: {name} is not 127.0.0.1")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield
    assert reached == [], f"a library tried to reach {sorted(set(reached))}"
