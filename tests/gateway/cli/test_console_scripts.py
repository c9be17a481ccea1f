"""`pip install .` gives the commands without `python -m`: compose-gateway, compose-catalog and compose-keys."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import catalog_build.cli
import gateway_min.cli

ROOT = Path(__file__).resolve().parents[3]


def test_the_console_scripts_are_declared_and_installed() -> None:
    scripts = {ep.name: ep for ep in entry_points(group="console_scripts") if ep.name.startswith("compose-")}
    assert scripts["compose-gateway"].load() is gateway_min.cli.console
    assert scripts["compose-catalog"].load() is catalog_build.cli.console
    assert scripts["compose-keys"].load() is gateway_min.cli.keys_console
    bin_dir = Path(sys.executable).parent
    gateway = subprocess.run([bin_dir / "compose-gateway", "serve", "--help"], capture_output=True, text=True,
                             timeout=60, check=False)
    assert gateway.returncode == 0 and "--demo" in gateway.stdout and "--max-connections" in gateway.stdout
    catalog = subprocess.run([bin_dir / "compose-catalog", "--check"], capture_output=True, text=True, timeout=120,
                             check=False, cwd=ROOT)
    assert catalog.returncode == 0, catalog.stderr
    assert "up to date" in catalog.stdout
