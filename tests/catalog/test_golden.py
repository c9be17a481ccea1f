"""The committed generated/ equals a fresh build of catalog_src/, and the real catalog meets the data brief."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from catalog_build.build import build
from catalog_build.cli import main

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_COMMENT = "# yaml-language-server: $schema="


def test_committed_generated_matches_a_fresh_build() -> None:
    fresh = build(ROOT / "catalog_src")
    for name, content in fresh.items():
        assert (ROOT / "generated" / name).read_bytes() == content, f"generated/{name} is stale: run scripts/build_catalog.py"


def test_a_build_into_another_folder_is_byte_identical_to_generated(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # nor does the working directory change a byte
    out = tmp_path / "build" / "catalog"
    assert main(["--out", str(out)]) == 0
    committed = sorted(p.name for p in (ROOT / "generated").iterdir() if p.is_file())
    assert sorted(p.name for p in out.iterdir()) == committed
    for name in committed:
        assert (out / name).read_bytes() == (ROOT / "generated" / name).read_bytes(), name
    assert main(["--check", "--out", str(out)]) == 0


def test_every_source_file_points_editors_at_the_committed_schema() -> None:
    sources = sorted((ROOT / "catalog_src").rglob("*.yaml"))
    assert len(sources) >= 10
    for path in sources:
        first = path.read_text().split("\n", 1)[0]
        assert first.startswith(SCHEMA_COMMENT), path
        target = (path.parent / first.removeprefix(SCHEMA_COMMENT)).resolve()
        assert target == ROOT / "generated" / "catalog_src.schema.json" and target.is_file(), path


def test_real_catalog_meets_the_data_brief() -> None:
    from generated import catalog

    models = list(catalog.MODELS)
    assert {m.modality for m in models} == {"text", "embedding", "image", "audio", "video"}
    # a hand-written provider comes with 3 models at least; an imported one has what its source prices
    written = {p["id"] for p in yaml.safe_load((ROOT / "catalog_src" / "providers.yaml").read_text())["providers"]}
    sizes = Counter(m.provider for m in models)
    assert min(sizes[provider] for provider in written) >= 3

    def latest(model_id: str) -> catalog.PriceSet:
        return catalog.MODEL_INDEX[model_id].prices[-1]

    tokens = latest("gpt-4.1").tokens
    assert tokens and tokens.input and tokens.cached_input and tokens.output
    assert (tokens.input.usd, tokens.cached_input.usd, tokens.output.usd) == (Decimal(2), Decimal("0.5"), Decimal(8))
    assert catalog.MODEL_INDEX["openai/gpt-4.1"] is catalog.MODEL_INDEX["gpt-4.1"]
    gemini = latest("gemini-2.5-pro")
    assert gemini.tiers and gemini.tiers[0].above_input_tokens == 200_000
    assert gemini.tiers[0].rates.input and gemini.tiers[0].rates.input.usd == Decimal("2.5")
    assert any(m.provider == "anthropic" and m.prices[-1].tokens and m.prices[-1].tokens.cache_write for m in models)
    assert len(catalog.MODEL_INDEX["o3"].prices) >= 2
    embedding = latest("text-embedding-3-small").tokens
    assert embedding and embedding.input and embedding.input.usd == Decimal("0.02")
    dalle = latest("dall-e-3").images
    assert dalle and dalle.params == ("size", "quality") and dalle.default.rate.usd == Decimal("0.04")
    assert {option.values for option in dalle.options} >= {("1024x1024", "standard"), ("1024x1024", "hd")}
    tts = latest("tts-1").characters
    assert tts and (tts.usd, tts.unit) == (Decimal(15), "usd_per_1m_characters")
    whisper = latest("whisper-1").audio
    assert whisper and (whisper.usd, whisper.unit) == (Decimal("0.006"), "usd_per_minute")
    sora = latest("sora-2").video
    assert sora and sora.default.rate.unit == "usd_per_second" and sora.default.rate.usd == Decimal("0.1")
    for model in models:  # every file's price history is ascending and every model resolves by its aliases
        moments = [s.effective_from for s in model.prices[1:]]
        assert moments == sorted(moments) and None not in moments
        assert all(catalog.MODEL_INDEX[alias] is model for alias in model.aliases)


def test_catalog_counts() -> None:
    """The breadth docs/CATALOG.md states (issue 16): models, providers, and models per operation."""
    from generated import catalog

    models = list(catalog.MODELS)
    per_operation = Counter(operation for m in models for operation in m.operations)
    assert len(models) >= 2000 and len({m.provider for m in models}) >= 40
    assert per_operation["images"] >= 100 and per_operation["transcription"] >= 30
    assert per_operation["video"] >= 30 and per_operation["rerank"] >= 20 and per_operation["speech"] >= 30
