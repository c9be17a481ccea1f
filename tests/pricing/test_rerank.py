"""Rerank: per search unit (Cohere) or per token (Voyage, Jina). The hold bounds both from the request (a search
unit covers up to 100 chunks of 500 tokens with the query; a token is at least a byte), the settlement reads
what the provider reports."""

from __future__ import annotations

import re
from typing import Any

import pytest

import pricing
from pricing import NotQuotable, UnpricedUsage
from pricing.bounds import PART_OVERHEAD, REQUEST_OVERHEAD, rerank_search_bound, rerank_token_bound
from tests.pricing import records as r

SEARCHES = r.model("searcher", r.price_set(searches=r.rate("2", "usd_per_1k_searches")), operations=("rerank",))
TOKENS = r.model("tokener", r.price_set(tokens=r.tokens("0.05")), operations=("rerank",))
BOTH = r.model("both", r.price_set(searches=r.rate("1", "usd_per_1k_searches"), tokens=r.tokens("0.05")),
               operations=("rerank",))
ASK = {"query": "red apples", "documents": ["apples are red", {"text": "bananas"}]}


def test_the_bounds_of_a_request() -> None:
    assert rerank_token_bound(ASK) == REQUEST_OVERHEAD + (10 + 14 + 2 * PART_OVERHEAD) + (10 + 7 + 2 * PART_OVERHEAD)
    assert rerank_search_bound(ASK) == 1
    assert rerank_search_bound({"query": "q", "documents": ["x"] * 100}) == 1
    assert rerank_search_bound({"query": "q", "documents": ["x"] * 101}) == 2  # a unit covers 100 documents
    assert rerank_search_bound({"query": "q", "documents": ["x" * 999]}) == 1  # 2 chunks of 500, one unit
    assert rerank_search_bound({"query": "q", "documents": ["x" * 999] * 51}) == 2  # 102 chunks


@pytest.mark.parametrize(("body", "message"), [
    ({"documents": ["a"]}, "needs `query`"),
    ({"query": "", "documents": ["a"]}, "needs `query`"),
    ({"query": "q"}, "needs `documents`"),
    ({"query": "q", "documents": "a"}, "needs `documents`"),
    ({"query": "q", "documents": []}, "needs `documents`"),
    ({"query": "q", "documents": [5]}, "documents[0] must be a string or an object with `text`"),
    ({"query": "q", "documents": [{"title": "t"}]}, "documents[0] must be"),
])
def test_what_cannot_be_bounded(body: dict[str, Any], message: str) -> None:
    with pytest.raises(NotQuotable, match=re.escape(message)):
        pricing.quote_max(SEARCHES, body, "rerank")


def test_the_hold_covers_what_the_model_is_priced_by() -> None:
    search = pricing.quote_max(SEARCHES, ASK, "rerank")
    assert (search.provider_amount, search.prompt_tokens, search.output_tokens) == (2_000, 0, 0)  # $2/1k → 2000
    token = pricing.quote_max(TOKENS, ASK, "rerank")
    bound = rerank_token_bound(ASK)
    assert token.prompt_tokens == bound and token.provider_amount == -(-bound * 5 // 100) + 4
    both = pricing.quote_max(BOTH, ASK, "rerank")
    assert both.provider_amount == 1_000 + -(-bound * 5 // 100) + 4
    assert both.amount == both.provider_amount + both.platform_fee
    unpriced = r.model("nothing", r.price_set(requests=r.rate("1", "usd_per_1k_requests")), operations=("rerank",))
    with pytest.raises(UnpricedUsage, match="neither a per-search nor an input token price"):
        pricing.quote_max(unpriced, ASK, "rerank")
    with pytest.raises(pricing.InsufficientBudget):
        pricing.quote_max(SEARCHES, ASK, "rerank", budget=100)


def test_a_measured_rerank_is_priced_by_its_search_units() -> None:
    charge = pricing.price(SEARCHES, {"searches": 3})
    assert [(item.key, item.quantity, item.amount) for item in charge.line_items] == [("searches", 3, 6_000)]
    assert charge.final_amount == 6_000 + 60
    with pytest.raises(UnpricedUsage, match="no per-search price"):
        pricing.price(TOKENS, {"searches": 1})
    assert pricing.settle(SEARCHES, {"searches": 3}, 5_000).uncollected == 1_060


@pytest.mark.parametrize(("body", "searches", "tokens"), [
    ({"results": [], "meta": {"billed_units": {"search_units": 2}}}, 2, 0),
    ({"results": [], "meta": {"billed_units": {"search_units": 1, "input_tokens": 40}}}, 1, 40),
    ({"data": [], "usage": {"total_tokens": 77}}, 0, 77),
    ({"results": [], "meta": {"billed_units": {"search_units": 1}}, "usage": {"total_tokens": 9}}, 1, 9),
])
def test_every_providers_rerank_usage_is_read(body: dict[str, Any], searches: int, tokens: int) -> None:
    usage = pricing.usage_from_response("rerank", body)
    assert (usage.searches, usage.input_tokens) == (searches, tokens)


@pytest.mark.parametrize("body", [{"results": []}, {"meta": {"api_version": {}}}, {"meta": {"billed_units": {}}},
                                  {"usage": {"prompt_tokens": 3}}])
def test_a_rerank_answer_without_usage_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(pricing.InvalidUsage, match="reports neither"):
        pricing.usage_from_response("rerank", body)


def test_the_catalog_has_rerank_models_priced_both_ways() -> None:
    assert pricing.price("rerank-v3.5", {"searches": 1}).provider_amount == 2_000
    assert pricing.price("rerank-2.5", {"input_tokens": 1_000_000}).provider_amount == 50_000
