"""What `serve --demo` prints is ready to paste: its `openai` SDK example runs as printed against the live demo
gateway, and its curl example names the demo key the gateway accepts."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.gateway.support import KEY_HEADERS, gateway_process


def test_the_printed_examples_work_as_printed(tmp_path: Path) -> None:
    with gateway_process(tmp_path) as base:
        banner = (tmp_path / "server.log").read_text()
        script = re.search(r"^  (\S+) - <<'PY'\n(.*?)\nPY$", banner, re.S | re.M)
        assert script is not None, banner
        python, code = script.groups()
        assert python == sys.executable  # the interpreter that serves the gateway, which has the SDK
        ran = subprocess.run([python, "-"], input=code, capture_output=True, text=True, timeout=60, check=False)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.count("Hi") >= 2  # the demo provider echoes the prompt: once whole, once streamed
        curl = re.search(r"^  curl -s (\S+/v1/chat/completions) (.*?) -i$", banner.replace("\\\n", ""), re.M)
        assert curl is not None, banner
        words = shlex.split(curl.group(2))
        headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
        body = words[words.index("-d") + 1]
        assert curl.group(1) == f"{base}/v1/chat/completions"
        answer = httpx.post(curl.group(1), headers=headers, content=body, timeout=30)
        assert answer.status_code == 200 and "compose_receipt" in answer.json()


def test_without_the_sdk_the_banner_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway_min.cli import demo as cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "openai" else real(name, *a))
    text = cli.banner("127.0.0.1", 8402, "admin", "compose-x", new_key=True)
    assert f"(that needs the openai package: {shlex.quote(sys.executable)} -m pip install 'openai>=1.40,<4')" in text
    monkeypatch.undo()
    assert "that needs the openai package" not in cli.banner("127.0.0.1", 8402, "admin", "compose-x", new_key=True)


def test_the_readme_sdk_example_runs_against_a_live_demo(tmp_path: Path) -> None:
    """Its native stream loop handles the compose.receipt event (a chunk without choices) and reads the receipt."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    [code] = [block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "native.chat" in block]
    with gateway_process(tmp_path) as base:
        key = httpx.post(f"{base}/api/keys", headers=KEY_HEADERS, json={
            "budgetLimit": 1_000_000, "expiresAt": 4_000_000_000_000}).json()["token"]
        code = code.replace("http://127.0.0.1:8402", base).replace("compose-...", key)
        ran = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, timeout=60, check=False)
    assert ran.returncode == 0, ran.stderr
    assert re.search(r"charged \d+ atomic USDC, receipt rct_[0-9a-f]{32}$", ran.stdout.strip()), ran.stdout
