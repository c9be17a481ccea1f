"""Decimal price strings survive YAML → compiler → JSON → Python unchanged (property test)."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog_build.build import build
from tests.catalog.sources import CHAT, write_source
from tests.catalog.test_build import load_module

KEYS = ("input", "cached_input", "cache_write", "output", "reasoning")

integer_part = st.one_of(st.just("0"), st.integers(1, 999_999).map(str))  # prices stay below 1,000,000 USD
fraction_part = st.text("0123456789", min_size=1, max_size=12)
decimal_text = st.one_of(integer_part, st.builds(lambda i, f: f"{i}.{f}", integer_part, fraction_part))
nonzero_decimal_text = decimal_text.filter(lambda text: Decimal(text) != 0)


@settings(max_examples=60, deadline=None)
@given(prices=st.tuples(*[decimal_text] * 4, nonzero_decimal_text), quoted=st.lists(st.booleans(), min_size=5,
                                                                                    max_size=5))
def test_price_strings_round_trip(prices: tuple[str, ...], quoted: list[bool]) -> None:
    written = [f'"{text}"' if q else text for text, q in zip(prices, quoted, strict=True)]
    entries = ", ".join(f"{key}: {text}" for key, text in zip(KEYS, written, strict=True))
    source = CHAT.replace('{input: "1.25", output: "10"}', "{" + entries + "}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "generated"
        files = build(write_source(root, source))
        compiled = orjson.loads(files["catalog.json"])["models"][0]["prices"][0]["tokens"]
        assert [compiled[key] for key in KEYS] == list(prices)
        out.mkdir()
        (out / "catalog.py").write_bytes(files["catalog.py"])
        module = load_module(out / "catalog.py", "roundtrip_catalog")
    rates = module.MODEL_INDEX["chat-1"].prices[0].tokens
    for key, text in zip(KEYS, prices, strict=True):
        rate = getattr(rates, key)
        assert rate.usd == Decimal(text)
        assert Fraction(rate.num, rate.den) == Fraction(Decimal(text)) * 10**6 / 10**6  # usd_per_1m_tokens
        assert f"({text!r}, 'usd_per_1m_tokens', {rate.num}, {rate.den})," in files["catalog.py"].decode()
