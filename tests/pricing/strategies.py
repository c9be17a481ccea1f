"""Hypothesis strategies: token-priced models (real and synthetic) and valid usages, built rather than filtered."""

from __future__ import annotations

from hypothesis import strategies as st

from generated.catalog import MODELS, Model, Tier
from pricing.usage import Usage
from tests.pricing import records as r

TOKEN_MODELS: list[Model] = [
    m for m in MODELS
    if m.prices[-1].tokens is not None and m.prices[-1].tokens.input and m.prices[-1].tokens.output
]
SYNTHETIC: list[Model] = [
    r.model("synthetic-reasoning", r.price_set(tokens=r.tokens("3", "0.3", "3.75", "15", "60"))),
    r.model("synthetic-odd", r.price_set(tokens=r.tokens("0.000000000001", "0.333333333333", "1.999999999999",
                                                         "7.777777777777", unit="usd_per_1k_tokens"))),
    r.model("synthetic-request-fee", r.price_set(tokens=r.tokens("0.2", output="0.8"),
                                                 requests=r.rate("0.005", "usd_per_request"))),
    r.model("synthetic-tiers", r.price_set(
        tokens=r.tokens("1.25", "0.125", "1.5", "10", "12"),
        tiers=(Tier(1_000, r.tokens("2.5", "0.25", "3", "15", "18")), Tier(5_000, r.tokens("5", "0.5", "6", "30", "36"))),
    )),
]
ALL_TOKEN_MODELS = TOKEN_MODELS + SYNTHETIC

models = st.sampled_from(ALL_TOKEN_MODELS)


@st.composite
def usages(draw: st.DrawFn, max_input: int = 400_000, max_output: int = 100_000) -> Usage:
    """A valid token usage: cache reads and writes within the prompt, reasoning within the output."""
    input_tokens = draw(st.integers(0, max_input))
    cached = draw(st.integers(0, input_tokens))
    write = draw(st.integers(0, input_tokens - cached))
    output = draw(st.integers(0, max_output))
    reasoning = draw(st.integers(0, output))
    requests = draw(st.integers(0, 3))
    return Usage(input_tokens=input_tokens, cached_input_tokens=cached, cache_write_tokens=write,
                 output_tokens=output, reasoning_tokens=reasoning, requests=requests)


def add(a: Usage, b: Usage) -> Usage:
    return a + b
chat_models = st.sampled_from([m for m in ALL_TOKEN_MODELS if "chat" in m.operations])
