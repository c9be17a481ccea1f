"""The committed generated/ equals a fresh build of catalog_src/, and the real catalog meets the data brief."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from catalog_build.build import build

ROOT = Path(__file__).resolve().parents[2]


def test_committed_generated_matches_a_fresh_build() -> None:
    fresh = build(ROOT / "catalog_src", ROOT / "generated")
    for name, content in fresh.items():
        assert (ROOT / "generated" / name).read_bytes() == content, f"generated/{name} is stale: run scripts/build_catalog.py"


def test_real_catalog_meets_the_data_brief() -> None:
    from generated import catalog

    models = list(catalog.MODELS)
    assert len(models) >= 150
    assert len({m.provider for m in models}) >= 8
    assert {m.modality for m in models} == {"text", "embedding", "image", "audio", "video"}
    assert min(Counter(m.provider for m in models).values()) >= 3

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
