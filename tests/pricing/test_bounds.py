"""The prompt-token bound of each request shape."""

from __future__ import annotations

import orjson
import pytest

from pricing.bounds import (
    MESSAGE_OVERHEAD,
    PART_OVERHEAD,
    REQUEST_OVERHEAD,
    UnboundedPrompt,
    chat_prompt_bound,
    embeddings_input_bound,
)

BASE = REQUEST_OVERHEAD + MESSAGE_OVERHEAD + len("user")


def test_content_shapes() -> None:
    assert chat_prompt_bound({"messages": [{"role": "user", "content": "héllo"}]}) == BASE + 6 + PART_OVERHEAD
    parts = [{"type": "text", "text": "ab"}, "cd", {"type": "input_audio", "input_audio": {"data": "AAAA"}}]
    audio_json = len('{"type":"input_audio","input_audio":{"data":"AAAA"}}')
    assert chat_prompt_bound({"messages": [{"role": "user", "content": parts}]}) == (
        BASE + 2 + 2 + audio_json + 3 * PART_OVERHEAD)
    tool_call = {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]}
    assert chat_prompt_bound({"messages": [tool_call]}) == (
        REQUEST_OVERHEAD + MESSAGE_OVERHEAD + len("assistant") + len('[{"id":"1"}]'))


def test_responses_input_and_other_prompt_fields() -> None:
    assert chat_prompt_bound({"input": "hi", "instructions": "be brief"}) == BASE + 2 + PART_OVERHEAD + len("be brief")
    assert chat_prompt_bound({"input": [{"role": "user", "content": "hi"}]}) == BASE + 2 + PART_OVERHEAD


def test_embeddings_inputs() -> None:
    assert embeddings_input_bound({"input": "héllo"}) == 6 + PART_OVERHEAD
    assert embeddings_input_bound({"input": ["a", [1, 2]]}) == 1 + PART_OVERHEAD + 2


def test_context_the_provider_stores_has_no_byte_bound() -> None:
    """previous_response_id, conversation, a stored prompt template and item references bring in tokens that are
    not in the request: the bound refuses to guess (the quote falls back to the context window)."""
    for body in ({"input": "hi", "previous_response_id": "resp_1"}, {"input": "hi", "conversation": "conv_1"},
                 {"input": "hi", "prompt": {"id": "pmpt_1"}},
                 {"input": [{"type": "item_reference", "id": "msg_1"}]},
                 {"input": [{"role": "user", "content": [{"type": "item_reference", "id": "msg_1"}]}]}):
        with pytest.raises(UnboundedPrompt):
            chat_prompt_bound(body)
    assert chat_prompt_bound({"input": "hi", "previous_response_id": None}) == BASE + 2 + PART_OVERHEAD
    assert chat_prompt_bound({"messages": [{"role": "user", "content": "x"}], "prompt": "legacy text"}) == (
        BASE + 1 + PART_OVERHEAD + len("legacy text"))


def test_messages_are_the_prompt_when_a_request_has_both_messages_and_input() -> None:
    both = {"messages": [{"role": "user", "content": "hi"}], "input": "x" * 1_000}
    assert chat_prompt_bound(both) == BASE + 2 + PART_OVERHEAD


def test_every_other_prompt_field_counts_its_json() -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}}
    body = {"messages": [{"role": "user", "content": "hi"}], "response_format": schema, "tool_choice": "auto",
            "text": {"format": {"type": "text"}}}
    assert chat_prompt_bound(body) == (BASE + 2 + PART_OVERHEAD + len(orjson.dumps(schema)) + len("auto")
                                       + len(b'{"format":{"type":"text"}}'))


def test_a_token_id_list_item_of_embeddings_counts_one_token_per_id() -> None:
    assert embeddings_input_bound({"input": [[1, 2, 3], "ab", [4]]}) == 3 + 2 + PART_OVERHEAD + 1
