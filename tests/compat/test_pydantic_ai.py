"""pydantic-ai's OpenAI chat and Responses models and its OpenAI embedding model on both route families: a run, a
streamed run with the usage it reads, embeddings, a tool-calling agent, structured output (its tool output and
native JSON schema output), the Responses API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, NativeOutput
from pydantic_ai.embeddings import Embedder
from pydantic_ai.embeddings.openai import OpenAIEmbeddingModel
from pydantic_ai.messages import ModelResponse
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

from tests.compat.ledger import CHAT_MODEL, EMBEDDING_MODEL, Account, charge

pytestmark = pytest.mark.anyio


class Person(BaseModel):
    name: str
    age: int


@pytest.fixture
async def provider(account: Account) -> AsyncIterator[OpenAIProvider]:
    async with httpx.AsyncClient() as http:
        yield OpenAIProvider(base_url=account.url, api_key=account.token, http_client=http)


def _priced(agent_messages: list[object]) -> list[int]:
    """The charge of each model response of a run, from the usage pydantic-ai read."""
    return [charge(m.usage.input_tokens, m.usage.output_tokens) for m in agent_messages if isinstance(m, ModelResponse)]


async def test_a_run_and_a_streamed_run_with_its_usage(account: Account, provider: OpenAIProvider) -> None:
    agent = Agent(OpenAIChatModel(CHAT_MODEL, provider=provider))
    result = await agent.run("Hello there")
    assert "Hello there" in result.output
    async with agent.run_stream("stream me") as streamed:
        text = "".join([piece async for piece in streamed.stream_text(delta=True)])
    assert "stream me" in text and streamed.usage.output_tokens > 0
    expected = [*_priced(result.all_messages()), charge(streamed.usage.input_tokens, streamed.usage.output_tokens)]
    assert account.amounts(2) == expected


async def test_embeddings(account: Account, provider: OpenAIProvider) -> None:
    embedder = Embedder(OpenAIEmbeddingModel(EMBEDDING_MODEL, provider=provider), settings={"dimensions": 24})
    result = await embedder.embed_documents(["hello world", "good bye"])
    assert [len(v) for v in result.embeddings] == [24, 24]
    assert account.amounts(1) == [charge(result.usage.input_tokens, model=EMBEDDING_MODEL)]


async def test_a_tool_calling_agent(account: Account, provider: OpenAIProvider) -> None:
    agent = Agent(OpenAIChatModel(CHAT_MODEL, provider=provider))
    cities: list[str] = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        cities.append(city)
        return f"sunny in {city}"

    result = await agent.run("What is the weather in Paris?")
    assert len(cities) == 1 and result.usage.requests == 2 and result.usage.tool_calls == 1
    assert account.amounts(2) == _priced(result.all_messages())


@pytest.mark.parametrize("mode", ["tool", "native"])
async def test_structured_output(account: Account, provider: OpenAIProvider, mode: str) -> None:
    agent = Agent(OpenAIChatModel(CHAT_MODEL, provider=provider),
                  output_type=Person if mode == "tool" else NativeOutput(Person))
    result = await agent.run("Alice is 30 years old")
    assert isinstance(result.output, Person)
    assert account.amounts(1) == _priced(result.all_messages())


async def test_structured_output_after_a_tool_call(account: Account, provider: OpenAIProvider) -> None:
    """A function tool, then the output tool the demo must call (tool_choice required) to end the run."""
    agent = Agent(OpenAIChatModel(CHAT_MODEL, provider=provider), output_type=Person)

    @agent.tool_plain
    def lookup(name: str) -> str:
        """What is known about someone."""
        return f"{name} is 30"

    result = await agent.run("Who is Alice?")
    assert isinstance(result.output, Person) and result.usage.requests == 2
    assert account.amounts(2) == _priced(result.all_messages())


async def test_the_responses_api(account: Account, provider: OpenAIProvider) -> None:
    agent = Agent(OpenAIResponsesModel(CHAT_MODEL, provider=provider))
    result = await agent.run("Hello responses")
    assert "Hello responses" in result.output
    async with agent.run_stream("stream responses") as streamed:
        text = "".join([piece async for piece in streamed.stream_text(delta=True)])
    assert "stream responses" in text
    tools = Agent(OpenAIResponsesModel(CHAT_MODEL, provider=provider), output_type=Person)
    person = await tools.run("Alice is 30")
    assert isinstance(person.output, Person)
    expected = [*_priced(result.all_messages()), charge(streamed.usage.input_tokens, streamed.usage.output_tokens),
                *_priced(person.all_messages())]
    assert account.amounts(3) == expected
