"""The LiteLLM importer (scripts/import_litellm.py): a re-run changes nothing, and every price it imported is
LiteLLM's to the atomic unit.

The source test re-derives each price from the vendored subset of LiteLLM 1.108.7's price map
(tests/data/litellm_prices_1.108.7.json.gz, provenance in tests/data/README.md) with its own reading of LiteLLM's
cost code and plain Fractions, and compares it with what `pricing.price` charges through the compiled catalog
(generated/): for random quantities, every line amount must be ceil(LiteLLM's per-unit cost x quantity x 10^6).
It needs neither litellm nor the network.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import random
import re
import shutil
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

import pricing
from catalog_build.importers.litellm import run
from catalog_build.importers.litellm_source import PROVIDERS, VENDORED
from generated import catalog

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "catalog_src"
MINE = SRC / "imported" / "litellm"
DATA = ROOT / VENDORED
MODES = {"image_generation": "images", "image_edit": "images", "audio_speech": "speech",
         "audio_transcription": "transcription", "video_generation": "video", "rerank": "rerank"}
QUALITIES = {"low", "standard", "medium", "high", "hd", "xhigh", "max", "auto"}
SIZE = re.compile(r"([0-9]+)-x-([0-9]+)")
VIDEO_SUFFIX = {"2160p": "4k", "1440p": "2k"}  # the catalog's name -> LiteLLM's output_cost_per_second_<suffix>
MILLION = 10**6


def _committed() -> dict[str, bytes]:
    return {path.relative_to(SRC).as_posix(): path.read_bytes() for path in sorted(MINE.rglob("*.yaml"))}


def _written(src: Path) -> dict[str, bytes]:
    return {path.relative_to(src).as_posix(): path.read_bytes()
            for path in sorted((src / "imported" / "litellm").rglob("*.yaml"))}


def _run(src: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert run(src, DATA, out=out, err=err) == 0, err.getvalue()
    return out.getvalue()


def _changes(report: str) -> list[str]:
    return [line for line in report.splitlines() if line.split(" ", 1)[0] in {"ADDED", "CHANGED", "DROPPED"}]


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog_src"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns(".*"))
    return copy


def test_rerun_reports_no_change_and_writes_the_committed_bytes(catalog_copy: Path) -> None:
    first = _run(catalog_copy)
    assert _changes(first) == [], "catalog_src/imported/litellm is stale: run scripts/import_litellm.py"
    assert "no change" in first
    assert _written(catalog_copy) == _committed()
    second = _run(catalog_copy)
    assert _changes(second) == [] and "no change" in second
    assert _written(catalog_copy) == _committed()


def test_fresh_import_adds_everything_then_is_stable(catalog_copy: Path) -> None:
    shutil.rmtree(catalog_copy / "imported" / "litellm")
    first = _changes(_run(catalog_copy))
    assert first and all(line.startswith("ADDED ") for line in first)
    assert _written(catalog_copy) == _committed()
    assert _changes(_run(catalog_copy)) == []
    assert _written(catalog_copy) == _committed()


def test_vendored_file_is_what_vendor_writes(catalog_copy: Path, tmp_path: Path) -> None:
    copy = tmp_path / "vendored.json.gz"
    out, err = io.StringIO(), io.StringIO()
    assert run(catalog_copy, DATA, vendor=copy, out=out, err=err) == 0
    assert copy.read_bytes() == DATA.read_bytes()
    assert list(_source()) == sorted(_source())  # keys sorted


# -- the source test ---------------------------------------------------------------------------------------------


def _source() -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = json.loads(gzip.decompress(DATA.read_bytes()))
    return entries


def _rate(entry: dict[str, Any], field: str) -> Fraction | None:
    """A LiteLLM price as the decimal its author wrote (the float's shortest repr), None when absent or zero."""
    value = entry.get(field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value:
        return None
    return Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)


def _parse(key: str, entry: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """(model name, size WIDTHxHEIGHT, quality): LiteLLM's key without its provider prefix and image options."""
    provider = entry["litellm_provider"]
    parts = key.split("/")
    size = quality = None
    while len(parts) > 1:
        if parts[0] in {provider, provider.split("-")[0]}:
            pass
        elif MODES[entry["mode"]] == "images" and parts[0] in QUALITIES:
            quality = parts[0]
        elif MODES[entry["mode"]] == "images" and (match := SIZE.fullmatch(parts[0])):
            size = f"{match[1]}x{match[2]}"
        else:
            break
        parts = parts[1:]
    return "/".join(parts), size, quality


def _index() -> dict[tuple[str, str, str], list[tuple[str | None, str | None, str, dict[str, Any]]]]:
    """(our provider id candidate, model name, operation) -> (size, quality, key, entry) of every vendored entry."""
    index: dict[tuple[str, str, str], list[tuple[str | None, str | None, str, dict[str, Any]]]] = defaultdict(list)
    for key, entry in _source().items():
        name, size, quality = _parse(key, entry)
        for provider_id in PROVIDERS[entry["litellm_provider"]].ids:
            index[(provider_id, name, MODES[entry["mode"]])].append((size, quality, key, entry))
    return index


def _imported() -> list[tuple[str, dict[str, Any]]]:
    models = []
    for path in sorted((MINE / "models").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        models += [(data["provider"], model) for model in data["models"]]
    return models


def _one(values: list[Fraction | None], what: str) -> Fraction:
    found = {value for value in values if value is not None}
    assert len(found) == 1, f"{what}: LiteLLM's entries give {found or 'no price'}"
    return found.pop()


def _image_rate(entry: dict[str, Any], size: str | None) -> Fraction | None:
    """LiteLLM's per-image price: output_cost_per_image, else input_cost_per_image (OpenAI's and xAI's per-image
    entries), else the per-pixel price times the size's pixels."""
    per_image = _rate(entry, "output_cost_per_image") or _rate(entry, "input_cost_per_image")
    if per_image is not None:
        return per_image
    per_pixel = _rate(entry, "output_cost_per_pixel") or _rate(entry, "input_cost_per_pixel")
    if per_pixel is None or size is None:
        return None
    width, height = map(int, size.split("x"))
    return per_pixel * width * height


def _video_rate(entry: dict[str, Any], resolution: str) -> Fraction | None:
    """llms/openai/cost_calculation.py: output_cost_per_video_per_second, else output_cost_per_second_<resolution>,
    else output_cost_per_second."""
    return (_rate(entry, "output_cost_per_video_per_second")
            or _rate(entry, f"output_cost_per_second_{VIDEO_SUFFIX.get(resolution, resolution)}")
            or _rate(entry, "output_cost_per_second"))


def _expected(rate: Fraction, quantity: int | Decimal) -> int:
    return math.ceil(rate * Fraction(quantity) * MILLION)


def _lines(model_id: str, usage: dict[str, Any]) -> dict[str, int]:
    charge = pricing.price(model_id, usage)
    return {line.key: line.amount for line in charge.line_items}


def _checks(model: dict[str, Any], entries: list[tuple[str | None, str | None, str, dict[str, Any]]],
            rng: random.Random) -> list[tuple[dict[str, Any], str, int]]:
    """(usage, line key, expected amount) for every price of the model, from LiteLLM's entries alone."""
    prices = model["prices"][-1]
    checks: list[tuple[dict[str, Any], str, int]] = []
    flat = [entry for size, quality, _, entry in entries if size is None and quality is None]
    if "images" in prices:
        for option in prices["images"]["options"]:
            size, quality = option.get("size"), option.get("quality")
            rate = _one([_image_rate(entry, s) for s, q, _, entry in entries if (s, q) == (size, quality)],
                        f"{model['id']} {size} {quality}")
            n = rng.randint(1, 10)
            usage = {"images": n} | ({"image_size": size} if size else {}) | ({"image_quality": quality} if quality
                                                                               else {})
            checks.append((usage, "images", _expected(rate, n)))
    if "characters" in prices:
        rate = _one([_rate(entry, "input_cost_per_character") for entry in flat], model["id"])
        n = rng.randint(1, 5_000_000)
        checks.append(({"characters": n}, "characters", _expected(rate, n)))
    if "audio" in prices:  # cost_per_second: the output rate when above zero, else the input rate; one of them
        rate = _one([_rate(entry, "output_cost_per_second") or _rate(entry, "input_cost_per_second")
                     for entry in flat], model["id"])
        seconds = rng.choice([rng.randint(1, 36_000), Decimal(rng.randint(1, 36_000_000)) / 1000])
        checks.append(({"audio_seconds": seconds}, "audio_seconds", _expected(rate, seconds)))
    if "video" in prices:
        for option in prices["video"]["options"]:
            rate = _one([_video_rate(entry, option["resolution"]) for entry in flat], model["id"])
            seconds = rng.randint(1, 120)
            checks.append(({"video_seconds": seconds, "video_resolution": option["resolution"]}, "video_seconds",
                           _expected(rate, seconds)))
    if "searches" in prices:
        rate = _one([_rate(entry, "input_cost_per_query") for entry in flat], model["id"])
        n = rng.randint(1, 100_000)
        checks.append(({"searches": n}, "searches", _expected(rate, n)))
    if "tokens" in prices:  # rerank and transcription: the input is audio (or the query and documents)
        rate = _one([_rate(entry, "input_cost_per_audio_token") or _rate(entry, "input_cost_per_token")
                     for entry in flat], model["id"])
        n = rng.randint(1, 10_000_000)
        checks.append(({"input_tokens": n}, "input_tokens", _expected(rate, n)))
        output = [_rate(entry, "output_cost_per_token") for entry in flat]
        if any(output):
            n = rng.randint(1, 1_000_000)
            checks.append(({"output_tokens": n}, "output_tokens", _expected(_one(output, model["id"]), n)))
    return checks


def test_every_imported_price_is_litellms() -> None:
    rng = random.Random(20261112)
    index = _index()
    models = _imported()
    assert len(models) > 300
    checked = 0
    for provider, model in models:
        upstream = model.get("upstream_id", model["id"])
        operation = model["operations"][0]
        entries = index.get((provider, upstream, operation))
        assert entries, f"{model['id']}: no vendored LiteLLM entry for {provider} {upstream} ({operation})"
        assert model["id"] in catalog.MODEL_INDEX, "generated/ is stale: run scripts/build_catalog.py"
        for _ in range(5):
            for usage, key, expected in _checks(model, entries, rng):
                assert _lines(model["id"], usage)[key] == expected, (model["id"], usage)
                checked += 1
    assert checked > 3_000

