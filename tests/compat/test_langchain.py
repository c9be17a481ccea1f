"""langchain-openai's ChatOpenAI and OpenAIEmbeddings, unmodified, on both route families: chat, a stream whose
usage it reads, embeddings, a tool-calling loop, structured output, the Responses API."""

from __future__ import annotations

from functools import reduce
from operator import add

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import BaseModel

from tests.compat.ledger import CHAT_MODEL, EMBEDDING_MODEL, Account, charge

pytestmark = pytest.mark.anyio


class Person(BaseModel):
    name: str
    age: int


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def _chat(account: Account, **options: object) -> ChatOpenAI:
    return ChatOpenAI(model=CHAT_MODEL, base_url=account.url, api_key=account.token, max_retries=0,
                      **options)


def _priced(message: AIMessage) -> int:
    usage = message.usage_metadata
    assert usage is not None and usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    return charge(usage["input_tokens"], usage["output_tokens"])


def test_chat_and_a_stream_whose_usage_it_reads(account: Account) -> None:
    llm = _chat(account, stream_usage=True)
    reply = llm.invoke("Hello there")
    assert isinstance(reply.content, str) and "Hello there" in reply.content
    chunks = list(llm.stream("stream me"))
    streamed: AIMessageChunk = reduce(add, chunks)
    assert "stream me" in str(streamed.content)
    assert account.amounts(2) == [_priced(reply), _priced(streamed)]  # summed over the chunks: counted once


async def test_async_stream(account: Account) -> None:
    llm = _chat(account, stream_usage=True)
    chunks = [chunk async for chunk in llm.astream("async stream")]
    streamed: AIMessageChunk = reduce(add, chunks)
    assert "async stream" in str(streamed.content)
    assert account.amounts(1) == [_priced(streamed)]


def test_embeddings(account: Account) -> None:
    embeddings = OpenAIEmbeddings(model=EMBEDDING_MODEL, base_url=account.url, api_key=account.token,
                                  dimensions=32, check_embedding_ctx_length=False, max_retries=0)
    vectors = embeddings.embed_documents(["hello world", "good bye"])
    query = embeddings.embed_query("hello")
    assert [len(v) for v in [*vectors, query]] == [32, 32, 32] and vectors[0] != vectors[1]
    settled = account.settled(2)
    assert [(s.action, s.model) for s in settled] == [("embeddings", EMBEDDING_MODEL)] * 2
    assert [s.amount for s in settled] == [charge(4, model=EMBEDDING_MODEL), charge(1, model=EMBEDDING_MODEL)]


def test_a_tool_calling_loop_ends_with_text(account: Account) -> None:
    llm = _chat(account).bind_tools([get_weather])
    messages: list[object] = [HumanMessage("What is the weather in Paris?")]
    replies = []
    for _ in range(4):
        reply = llm.invoke(messages)
        replies.append(reply)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    assert [bool(r.tool_calls) for r in replies] == [True, False]
    assert replies[0].tool_calls[0]["name"] == "get_weather" and isinstance(replies[0].tool_calls[0]["args"]["city"], str)
    assert account.amounts(2) == [_priced(r) for r in replies]


@pytest.mark.parametrize("method", ["function_calling", "json_schema"])
def test_structured_output(account: Account, method: str) -> None:
    structured = _chat(account).with_structured_output(Person, method=method, include_raw=True)
    result = structured.invoke("Alice is 30 years old")
    assert isinstance(result, dict) and isinstance(result["parsed"], Person) and result["parsing_error"] is None
    assert account.amounts(1) == [_priced(result["raw"])]


def test_the_responses_api(account: Account) -> None:
    llm = _chat(account, use_responses_api=True)
    reply = llm.invoke("Hello responses")
    assert "Hello responses" in reply.text
    streamed: AIMessageChunk = reduce(add, llm.stream("stream responses"))
    assert "stream responses" in streamed.text
    tools = llm.bind_tools([get_weather]).invoke("weather in Paris?")
    assert tools.tool_calls and tools.tool_calls[0]["name"] == "get_weather"
    settled = account.settled(3)
    assert {s.action for s in settled} == {"responses"}
    assert [s.amount for s in settled] == [_priced(reply), _priced(streamed), _priced(tools)]
