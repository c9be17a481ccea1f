"""instructor on the openai client, on both route families: structured output by tool call (its default mode, a
tool-calling run), by JSON schema, streamed (partial objects and iterables, whose argument fragments it parses as
they come), async, and on the Responses API. (It has no embeddings.)"""

from __future__ import annotations

import instructor
import pytest
from openai import AsyncOpenAI, OpenAI
from pydantic import BaseModel, Field

from tests.compat.ledger import CHAT_MODEL, Account, charge

pytestmark = pytest.mark.anyio
ASK = [{"role": "user", "content": "Alice is 30 years old"}]


class Person(BaseModel):
    name: str
    age: int = Field(ge=0)


def _client(account: Account, mode: instructor.Mode = instructor.Mode.TOOLS) -> instructor.Instructor:
    return instructor.from_openai(OpenAI(base_url=account.url, api_key=account.token, max_retries=0), mode=mode)


@pytest.mark.parametrize("mode", [instructor.Mode.TOOLS, instructor.Mode.JSON_SCHEMA])
def test_structured_output(account: Account, mode: instructor.Mode) -> None:
    person, completion = _client(account, mode).chat.completions.create_with_completion(
        model=CHAT_MODEL, response_model=Person, messages=ASK, max_retries=0)
    assert isinstance(person, Person)
    usage = completion.usage
    assert account.amounts(1) == [charge(usage.prompt_tokens, usage.completion_tokens)]


def test_streamed_partial_objects_and_iterables(account: Account) -> None:
    client = _client(account)
    partials = list(client.chat.completions.create_partial(model=CHAT_MODEL, response_model=Person, messages=ASK))
    assert len(partials) > 1 and isinstance(partials[-1].age, int)  # built up fragment by fragment
    people = list(client.chat.completions.create_iterable(model=CHAT_MODEL, response_model=Person, messages=ASK))
    assert len(people) == 1 and isinstance(people[0], Person)
    account.settled(2)


async def test_async(account: Account) -> None:
    async with AsyncOpenAI(base_url=account.url, api_key=account.token, max_retries=0) as openai_client:
        client = instructor.from_openai(openai_client)
        person = await client.chat.completions.create(model=CHAT_MODEL, response_model=Person, messages=ASK)
    assert isinstance(person, Person)
    account.settled(1)


def test_the_responses_api(account: Account) -> None:
    client = _client(account, instructor.Mode.RESPONSES_TOOLS)
    person = client.responses.create(model=CHAT_MODEL, response_model=Person, input="Alice is 30 years old")
    assert isinstance(person, Person)
    [settled] = account.settled(1)
    assert settled.action == "responses"
