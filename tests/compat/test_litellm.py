"""litellm as a client (the SDK, not its proxy) on both route families, as an `openai/…` model with `api_base`:
completion, a stream with the usage it reads, embeddings, a tool-calling loop, structured output, its Responses
API. (conftest.py sets LITELLM_LOCAL_MODEL_COST_MAP before litellm is imported: it would fetch its cost map.)"""

from __future__ import annotations

import json
from typing import Any

import litellm
import pytest
from pydantic import BaseModel

from tests.compat.ledger import CHAT_MODEL, EMBEDDING_MODEL, Account, charge

pytestmark = pytest.mark.anyio
WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "The weather in a city.",
                                            "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                           "required": ["city"]}}}


class Person(BaseModel):
    name: str
    age: int


def _options(account: Account) -> dict[str, Any]:
    return {"model": f"openai/{CHAT_MODEL}", "api_base": account.url, "api_key": account.token, "num_retries": 0}


def _priced(usage: Any) -> int:
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    return charge(usage.prompt_tokens, usage.completion_tokens)


def test_completion_and_a_stream_with_its_usage(account: Account) -> None:
    reply = litellm.completion(messages=[{"role": "user", "content": "Hello there"}], **_options(account))
    assert "Hello there" in reply.choices[0].message.content
    chunks = list(litellm.completion(messages=[{"role": "user", "content": "stream me"}], stream=True,
                                     stream_options={"include_usage": True}, **_options(account)))
    built = litellm.stream_chunk_builder(chunks)
    assert built is not None and "stream me" in built.choices[0].message.content
    assert account.amounts(2) == [_priced(reply.usage), _priced(built.usage)]


async def test_an_async_stream(account: Account) -> None:
    stream = await litellm.acompletion(messages=[{"role": "user", "content": "async stream"}], stream=True,
                                       stream_options={"include_usage": True}, **_options(account))
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    usage = [c.usage for c in chunks if getattr(c, "usage", None)]
    assert "async stream" in text and len(usage) == 1
    assert account.amounts(1) == [_priced(usage[0])]


def test_embeddings(account: Account) -> None:
    options = {**_options(account), "model": f"openai/{EMBEDDING_MODEL}"}
    result = litellm.embedding(input=["hello world", "bye"], dimensions=8, **options)
    assert [len(item["embedding"]) for item in result.data] == [8, 8]
    assert account.amounts(1) == [charge(result.usage.prompt_tokens, model=EMBEDDING_MODEL)]


def test_a_tool_calling_loop_ends_with_text(account: Account) -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Paris?"}]
    replies = []
    for _ in range(4):
        reply = litellm.completion(messages=messages, tools=[WEATHER], **_options(account))
        replies.append(reply)
        message = reply.choices[0].message
        messages.append(message.model_dump(exclude_none=True))
        if not message.tool_calls:
            break
        for call in message.tool_calls:
            city = json.loads(call.function.arguments)["city"]
            messages.append({"role": "tool", "tool_call_id": call.id, "content": f"sunny in {city}"})
    assert [r.choices[0].finish_reason for r in replies] == ["tool_calls", "stop"]
    assert account.amounts(2) == [_priced(r.usage) for r in replies]


def test_a_streamed_tool_call(account: Account) -> None:
    chunks = list(litellm.completion(messages=[{"role": "user", "content": "weather?"}], tools=[WEATHER], stream=True,
                                     stream_options={"include_usage": True}, **_options(account)))
    built = litellm.stream_chunk_builder(chunks)
    assert built is not None
    [call] = built.choices[0].message.tool_calls
    assert call.function.name == "get_weather" and json.loads(call.function.arguments)["city"]
    assert account.amounts(1) == [_priced(built.usage)]


def test_structured_output(account: Account) -> None:
    reply = litellm.completion(messages=[{"role": "user", "content": "Alice is 30"}], response_format=Person,
                               **_options(account))
    assert isinstance(Person.model_validate_json(reply.choices[0].message.content), Person)
    assert account.amounts(1) == [_priced(reply.usage)]


def test_the_responses_api(account: Account) -> None:
    options = {k: v for k, v in _options(account).items() if k != "num_retries"}
    made = litellm.responses(input="Hello responses", **options)
    assert "Hello responses" in made.output[0].content[0].text
    events = list(litellm.responses(input="stream responses", stream=True, **options))
    done = [e for e in events if getattr(e, "type", None) == "response.completed"]
    assert len(done) == 1 and done[0].response.usage.output_tokens > 0
    usages = [made.usage, done[0].response.usage]
    assert account.amounts(2) == [charge(u.input_tokens, u.output_tokens) for u in usages]
