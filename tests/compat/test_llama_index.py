"""llama-index's OpenAI LLMs (`OpenAI`, `OpenAILike`, `OpenAIResponses`) and `OpenAIEmbedding` on both route
families: chat, streams (sync and async: the native stream's receipt event once broke them, its `choices` being
None) with the usage it reads from the last chunk, embeddings, a FunctionAgent run, structured output."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.llms import ChatMessage, ChatResponse
from llama_index.core.prompts import PromptTemplate
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI, OpenAIResponses
from llama_index.llms.openai_like import OpenAILike
from pydantic import BaseModel

from tests.compat.ledger import CHAT_MODEL, EMBEDDING_MODEL, Account, charge

pytestmark = pytest.mark.anyio
USAGE = {"stream_options": {"include_usage": True}}


class Person(BaseModel):
    name: str
    age: int


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def _llm(account: Account, **options: Any) -> OpenAI:
    return OpenAI(model=CHAT_MODEL, api_base=account.url, api_key=account.token, max_retries=0, **options)


def _priced(response: ChatResponse) -> int:
    usage = response.raw.usage if response.raw is not None else None
    assert usage is not None, "the usage is read from the last chunk"
    return charge(usage.prompt_tokens, usage.completion_tokens)


def test_chat_and_a_stream_with_its_usage(account: Account) -> None:
    llm = OpenAILike(model=CHAT_MODEL, api_base=account.url, api_key=account.token, is_chat_model=True,
                     is_function_calling_model=True, context_window=128_000, max_retries=0, additional_kwargs=USAGE)
    reply = llm.chat([ChatMessage(role="user", content="Hello there")])
    assert "Hello there" in str(reply.message.content)
    last = list(llm.stream_chat([ChatMessage(role="user", content="stream me")]))[-1]
    assert "stream me" in str(last.message.content)
    assert last.additional_kwargs["completion_tokens"] > 0  # llama-index's own reading of the last chunk
    assert account.amounts(2) == [_priced(reply), _priced(last)]


async def test_an_async_stream_and_completion(account: Account) -> None:
    async with httpx.AsyncClient() as http:  # closed here: llama-index leaves its own clients open
        llm = _llm(account, additional_kwargs=USAGE, async_http_client=http)
        last = [r async for r in await llm.astream_chat([ChatMessage(role="user", content="async stream")])][-1]
        completed = await llm.acomplete("complete me")
    assert "async stream" in str(last.message.content)
    assert "complete me" in completed.text
    usage = completed.raw.usage
    assert account.amounts(2) == [_priced(last), charge(usage.prompt_tokens, usage.completion_tokens)]


def test_embeddings(account: Account) -> None:
    embedding = OpenAIEmbedding(model=EMBEDDING_MODEL, api_base=account.url, api_key=account.token, dimensions=12,
                                max_retries=0)
    one = embedding.get_text_embedding("hello world")
    batch = embedding.get_text_embedding_batch(["a b", "c"])
    assert [len(v) for v in [one, *batch]] == [12, 12, 12]
    assert account.amounts(2) == [charge(2, model=EMBEDDING_MODEL), charge(3, model=EMBEDDING_MODEL)]


async def test_a_function_agent_run(account: Account) -> None:
    async with httpx.AsyncClient() as http:
        agent = FunctionAgent(tools=[get_weather], llm=_llm(account, async_http_client=http),
                              system_prompt="You answer weather questions.")
        output = await agent.run("What is the weather in Paris?")
    assert [call.tool_name for call in output.tool_calls] == ["get_weather"]
    assert "Paris" in str(output)
    settled = account.settled(2)  # the call of the tool, then the answer, both streamed
    assert [s.action for s in settled] == ["chat", "chat"]


def test_structured_output(account: Account) -> None:
    llm = _llm(account)
    person = llm.structured_predict(Person, PromptTemplate("Extract the person: {text}"), text="Alice is 30")
    assert isinstance(person, Person)
    structured = llm.as_structured_llm(Person).chat([ChatMessage(role="user", content="Bob is 40")])
    assert isinstance(structured.raw, Person)
    account.settled(2)


async def test_the_responses_api(account: Account) -> None:
    async with httpx.AsyncClient() as http:
        llm = OpenAIResponses(model=CHAT_MODEL, api_base=account.url, api_key=account.token, max_retries=0,
                              async_http_client=http)
        reply = llm.chat([ChatMessage(role="user", content="Hello responses")])
        streamed = [r async for r in await llm.astream_chat([ChatMessage(role="user", content="stream responses")])]
    last = streamed[-1]  # the whole response: the stream ends with its terminal event, after the receipt
    assert "Hello responses" in str(reply.message.content)
    assert "stream responses" in str(last.message.content)
    usages = [reply.raw.usage, last.additional_kwargs.get("usage") or last.raw.response.usage]
    assert account.amounts(2) == [charge(u.input_tokens, u.output_tokens) for u in usages]
