"""openai-agents (the Agents SDK) on both route families, on its default Responses model and on chat completions:
a run, a streamed run with the usage it reads, a tool-calling agent, structured output. (It has no embeddings;
conftest.py turns its tracing off: it would export to api.openai.com.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from agents import Agent, ModelSettings, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, function_tool
from agents import set_tracing_disabled as tracing_disabled
from openai import AsyncOpenAI
from pydantic import BaseModel

from tests.compat.ledger import CHAT_MODEL, Account, charge

pytestmark = pytest.mark.anyio
MODELS = {"responses": OpenAIResponsesModel, "chat": OpenAIChatCompletionsModel}
tracing_disabled(True)


class Person(BaseModel):
    name: str
    age: int


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture(params=list(MODELS))
async def model(request: pytest.FixtureRequest, account: Account) -> AsyncIterator[Any]:
    """The Responses API model (the SDK's default) or the chat completions one, on `account`'s route family."""
    async with AsyncOpenAI(base_url=account.url, api_key=account.token, max_retries=0) as client:
        yield MODELS[request.param](model=CHAT_MODEL, openai_client=client)


def _priced(result: Any) -> list[int]:
    """The charge of each model call of a run, from the usage the SDK read."""
    entries = result.context_wrapper.usage.request_usage_entries
    return [charge(entry.input_tokens, entry.output_tokens) for entry in entries]


async def test_a_run_and_a_streamed_run(account: Account, model: Any) -> None:
    settings = ModelSettings(include_usage=True)  # chat completions streams report usage when asked
    result = await Runner.run(Agent(name="greeter", model=model, model_settings=settings), "Hello there")
    assert "Hello there" in result.final_output
    streamed = Runner.run_streamed(Agent(name="streamer", model=model, model_settings=settings), "stream me")
    kinds = {event.type async for event in streamed.stream_events()}
    assert "raw_response_event" in kinds and "stream me" in streamed.final_output
    assert account.amounts(2) == _priced(result) + _priced(streamed)


async def test_a_tool_calling_agent(account: Account, model: Any) -> None:
    agent = Agent(name="weather", model=model, tools=[get_weather], model_settings=ModelSettings(include_usage=True))
    result = await Runner.run(agent, "What is the weather in Paris?")
    calls = [item for item in result.new_items if item.type == "tool_call_output_item"]
    assert len(calls) == 1 and calls[0].output.startswith("sunny in") and result.context_wrapper.usage.requests == 2
    streamed = Runner.run_streamed(agent, "And in Rome?")
    async for _ in streamed.stream_events():
        pass
    assert streamed.context_wrapper.usage.requests == 2
    assert account.amounts(4) == _priced(result) + _priced(streamed)


async def test_structured_output(account: Account, model: Any) -> None:
    result = await Runner.run(Agent(name="extractor", model=model, output_type=Person), "Alice is 30 years old")
    assert isinstance(result.final_output, Person)
    assert account.amounts(1) == _priced(result)
