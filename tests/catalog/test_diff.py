"""`build_catalog.py --diff OLD`: the price-change review, on a real change of the committed catalog."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from catalog_build import diff
from catalog_build.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def changed_source(tmp_path: Path) -> Path:
    """The committed source with gpt-4.1's input price raised and voyage's rerank-2.5-lite dropped."""
    src = tmp_path / "catalog_src"
    shutil.copytree(ROOT / "catalog_src", src)
    openai = src / "models" / "openai.yaml"
    text = openai.read_text()
    start = text.index("  - id: gpt-4.1\n")
    text = text[:start] + text[start:].replace('input: "2", cached_input: "0.5", output: "8"',
                                               'input: "2.5", cached_input: "0.5", output: "8"', 1)
    openai.write_text(text)
    voyage = src / "models" / "voyage.yaml"
    text = voyage.read_text()
    voyage.write_text(text[:text.index("  - id: rerank-2.5-lite\n")])
    return src


def test_the_review_lists_every_change(changed_source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = str(ROOT / "generated" / "catalog.json")
    assert main(["--src", str(changed_source), "--diff", old]) == 0
    text = capsys.readouterr().out
    assert "0 model(s) added, 1 removed, 1 with price changes" in text
    assert "- rerank-2.5-lite" in text
    assert "~ gpt-4.1\n    tokens.input (usd_per_1m_tokens): 2 → 2.5 USD" in text
    assert main(["--src", str(changed_source), "--diff", old, "--json"]) == 0
    report = orjson.loads(capsys.readouterr().out)
    assert report["removed"] == ["rerank-2.5-lite"] and report["added"] == []
    assert report["changed"] == {"gpt-4.1": [{"effective_from": "initial", "price": "tokens.input (usd_per_1m_tokens)",
                                              "old": "2", "new": "2.5"}]}


def test_added_removed_and_scheduled_prices() -> None:
    base = {"catalog_version": "a", "models": [
        {"id": "m", "prices": [{"tokens": {"unit": "usd_per_1m_tokens", "input": "1", "output": "2.0"},
                                "tiers": [{"above_input_tokens": 1000, "input": "3", "output": "4"}],
                                "images": None, "video": {"unit": "usd_per_second", "options": [
                                    {"resolution": "720p", "price": "0.1", "default": True}]},
                                "searches": {"unit": "usd_per_1k_searches", "price": "2"}}]}]}
    later = {"catalog_version": "b", "models": [
        {"id": "m", "prices": [
            {"tokens": {"unit": "usd_per_1m_tokens", "input": "1", "output": "2"}, "tiers": [],
             "video": {"unit": "usd_per_second", "options": [{"resolution": "720p", "price": "0.2", "default": True}]}},
            {"effective_from": "2027-01-01T00:00:00Z", "free": True}]},
        {"id": "new", "prices": [{"characters": {"unit": "usd_per_1m_characters", "price": "15"}}]}]}
    report = diff.diff(base, later)
    assert report["added"] == ["new"] and report["removed"] == []
    changes = {(c["effective_from"], c["price"]): (c["old"], c["new"]) for c in report["changed"]["m"]}
    assert changes == {
        ("initial", "tiers[>1000].input (usd_per_1m_tokens)"): ("3", None),
        ("initial", "tiers[>1000].output (usd_per_1m_tokens)"): ("4", None),
        ("initial", "video[720p] (usd_per_second)"): ("0.1", "0.2"),
        ("initial", "searches (usd_per_1k_searches)"): ("2", None),
        ("2027-01-01T00:00:00Z", "free"): (None, "0"),
    }  # "2.0" and "2" are the same price
    text = diff.as_text(report)
    assert "searches (usd_per_1k_searches): removed (was 2 USD)" in text
    assert "free from 2027-01-01T00:00:00Z: added, 0 USD" in text


def test_a_git_ref_is_read_and_a_bad_reference_is_named(tmp_path: Path) -> None:
    ran = subprocess.run([sys.executable, "scripts/build_catalog.py", "--diff", "HEAD", "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    assert set(orjson.loads(ran.stdout)) == {"old_version", "new_version", "added", "removed", "changed"}
    bad = subprocess.run([sys.executable, "scripts/build_catalog.py", "--diff", "no-such-ref-anywhere"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 2 and "neither a catalog.json file nor a git ref" in bad.stderr
    garbage = tmp_path / "x.json"
    garbage.write_text("[1, 2]")
    with pytest.raises(diff.DiffSourceError, match="not a compiled catalog"):
        diff.load_old(str(garbage), ROOT)
    garbage.write_text("{not json")
    with pytest.raises(diff.DiffSourceError, match="is not JSON"):
        diff.load_old(str(garbage), ROOT)
