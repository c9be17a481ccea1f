"""The demo provider answers what a request's shape asks for, deterministically: tool calls (their arguments an
instance of the function's schema, streamed as fragments), a text answer after a tool's result, JSON for a
response format, embeddings of the asked dimensions and encoding, and usage that counts exactly what it returned."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from typing import Any

import jsonschema
import orjson
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pricing
from gateway_min.upstream import UpstreamRequest
from gateway_min.upstream.demo import DemoProvider
from gateway_min.upstream.demo_schema import Unsatisfiable, instance
from tests.gateway.support import Harness, auth

pytestmark = pytest.mark.anyio
WEATHER = {"type": "object", "properties": {
    "city": {"type": "string", "minLength": 2}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    "days": {"type": "integer", "minimum": 1, "maximum": 7}, "note": {"type": "string"}},
    "required": ["city", "unit", "days"], "additionalProperties": False}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": WEATHER}},
         {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {
             "zone": {"type": "string", "format": "uuid"}}, "required": ["zone"]}}}]
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


async def _send(operation: str, body: dict[str, Any], stream: bool = False) -> tuple[int, Any]:
    reply = await DemoProvider().send(UpstreamRequest(operation, body, stream))
    content = await reply.read()
    if not stream:
        return reply.status, orjson.loads(content)
    events = [block.split("data: ", 1)[1] for block in content.decode().split("\n\n") if "data: " in block]
    return reply.status, [orjson.loads(e) for e in events if e != "[DONE]"]


def _chat(**extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "messages": ASK, "max_tokens": 256, **extra}


@pytest.mark.parametrize("choice", [None, "auto", "required", {"type": "function", "function": {"name": "get_weather"}}])
async def test_offered_tools_are_called_with_arguments_valid_against_the_schema(choice: Any) -> None:
    body = _chat(tools=TOOLS) | ({} if choice is None else {"tool_choice": choice})
    status, reply = await _send("chat", body)
    choice0 = reply["choices"][0]
    assert status == 200 and choice0["finish_reason"] == "tool_calls" and choice0["message"]["content"] is None
    [call] = choice0["message"]["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == "get_weather" and call["id"].startswith("call_")
    arguments = json.loads(call["function"]["arguments"])
    jsonschema.validate(arguments, WEATHER)
    assert arguments == {"city": "demo", "unit": "celsius", "days": 1, "note": "demo"}  # enum's first, in bounds
    assert reply["usage"]["completion_tokens"] == len(call["function"]["arguments"].split(" "))
    assert (await _send("chat", body))[1] == reply  # deterministic


async def test_a_streamed_tool_call_comes_as_argument_fragments_named_in_the_first() -> None:
    status, chunks = await _send("chat", _chat(tools=TOOLS, stream_options={"include_usage": True}), stream=True)
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    calls = [d["tool_calls"][0] for d in deltas if d.get("tool_calls")]
    first, rest = calls[0], calls[1:]
    assert status == 200 and first["index"] == 0 and first["type"] == "function" and first["id"].startswith("call_")
    assert first["function"] == {"name": "get_weather", "arguments": ""} and deltas[0]["role"] == "assistant"
    assert len(rest) >= 3 and all(set(c) == {"index", "function"} and set(c["function"]) == {"arguments"} for c in rest)
    arguments = "".join(c["function"]["arguments"] for c in calls)
    jsonschema.validate(json.loads(arguments), WEATHER)
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["usage"]["completion_tokens"] == len(rest)  # a fragment is a token


async def test_after_a_tool_result_the_answer_is_text_unless_a_call_is_required() -> None:
    called = [*ASK, {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
        "name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}, {"role": "tool", "tool_call_id": "call_1",
                                                                         "content": "sunny, 21 C"}]
    _, auto = await _send("chat", _chat(messages=called, tools=TOOLS))
    assert auto["choices"][0]["finish_reason"] == "stop" and "Demo reply" in auto["choices"][0]["message"]["content"]
    _, required = await _send("chat", _chat(messages=called, tools=TOOLS, tool_choice="required"))
    assert required["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_time"  # not called yet
    _, none = await _send("chat", _chat(tools=TOOLS, tool_choice="none"))
    assert none["choices"][0]["message"]["content"].startswith("Demo reply")


async def test_the_tool_the_user_names_is_called_and_legacy_functions_get_a_function_call() -> None:
    _, named = await _send("chat", _chat(tools=TOOLS, messages=[{"role": "user", "content": "call get_time please"}]))
    assert named["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "get_time"
    functions = [tool["function"] for tool in TOOLS]
    _, legacy = await _send("chat", _chat(functions=functions, function_call={"name": "get_time"}))
    message = legacy["choices"][0]["message"]
    assert legacy["choices"][0]["finish_reason"] == "function_call" and "tool_calls" not in message
    assert message["function_call"]["name"] == "get_time"
    assert json.loads(message["function_call"]["arguments"]) == {"zone": "00000000-0000-4000-8000-000000000000"}
    _, chunks = await _send("chat", _chat(functions=functions), stream=True)
    pieces = [c["choices"][0]["delta"].get("function_call") for c in chunks if c["choices"]]
    assert pieces[0]["name"] == "get_weather" and json.loads("".join(p["arguments"] for p in pieces if p))


async def test_a_call_cut_at_the_output_limit_says_length_and_counts_the_limit() -> None:
    status, reply = await _send("chat", _chat(tools=TOOLS, max_tokens=2))
    assert status == 200 and reply["choices"][0]["finish_reason"] == "length"
    assert reply["usage"]["completion_tokens"] == 2


class Person(pydantic.BaseModel):
    name: str
    age: int = pydantic.Field(ge=18)
    email: str = pydantic.Field(pattern=r"^[a-z]+@[a-z]+\.[a-z]{2,}$")
    friends: list[Person] = []
    role: str | None


@pytest.mark.parametrize("form", [{"type": "json_object"}, {"type": "json_schema", "json_schema": {
    "name": "person", "schema": Person.model_json_schema(), "strict": False}}])
async def test_response_formats_get_json_and_stream_it_word_by_word(form: dict[str, Any]) -> None:
    _, reply = await _send("chat", _chat(response_format=form))
    text = reply["choices"][0]["message"]["content"]
    document = json.loads(text)
    assert isinstance(document, dict) and reply["usage"]["completion_tokens"] == len(text.split(" "))
    if form["type"] == "json_schema":
        assert Person.model_validate(document).age == 18
    _, chunks = await _send("chat", _chat(response_format=form), stream=True)
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == text


@pytest.mark.parametrize(("body", "param"), [
    (_chat(response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"not": {}}}}),
     "response_format"),
    (_chat(tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {
        "x": {"$ref": "#/$defs/missing"}}, "required": ["x"]}}}]), "tools"),
    (_chat(tools=TOOLS, tool_choice={"type": "function", "function": {"name": "nope"}}), "tool_choice"),
    ({"model": "text-embedding-3-small", "input": "x", "dimensions": 0}, "dimensions"),
    ({"model": "text-embedding-3-small", "input": "x", "encoding_format": "int8"}, "encoding_format"),
])
async def test_what_the_demo_cannot_answer_is_a_400_naming_the_parameter(body: dict[str, Any], param: str) -> None:
    status, reply = await _send("embeddings" if "input" in body else "chat", body)
    assert status == 400 and reply["error"]["param"] == param and reply["error"]["type"] == "invalid_request_error"


async def test_embeddings_have_the_asked_dimensions_and_encoding() -> None:
    body = {"model": "text-embedding-3-small", "input": ["hello world", "bye"]}
    _, floats = await _send("embeddings", {**body, "dimensions": 64})
    _, packed = await _send("embeddings", {**body, "dimensions": 64, "encoding_format": "base64"})
    _, default = await _send("embeddings", body)
    assert [len(d["embedding"]) for d in floats["data"]] == [64, 64] and len(default["data"][0]["embedding"]) == 16
    for plain, encoded in zip(floats["data"], packed["data"], strict=True):
        decoded = struct.unpack("<64f", base64.b64decode(encoded["embedding"]))
        assert decoded == pytest.approx(plain["embedding"], abs=1e-6)
        assert sum(v * v for v in plain["embedding"]) == pytest.approx(1, abs=1e-4)  # unit length, as OpenAI's
    assert floats["usage"] == packed["usage"] == {"prompt_tokens": 3, "total_tokens": 3}


async def test_responses_call_function_tools_and_follow_the_text_format() -> None:
    tools = [{"type": "function", "name": "get_weather", "parameters": WEATHER, "strict": True}]
    body = {"model": "gpt-4.1", "input": "weather in Paris?", "tools": tools}
    _, made = await _send("responses", body)
    [call] = made["output"]
    assert call["type"] == "function_call" and call["name"] == "get_weather" and call["call_id"].startswith("call_")
    jsonschema.validate(json.loads(call["arguments"]), WEATHER)
    assert made["usage"]["output_tokens"] == len(call["arguments"].split(" "))
    _, events = await _send("responses", body, stream=True)
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert len(deltas) >= 3 and "".join(deltas) == done["arguments"] == call["arguments"]
    assert events[-1]["response"]["output"] == made["output"]
    after = [{"role": "user", "content": "weather in Paris?"}, {"type": "function_call", "call_id": call["call_id"],
             "name": "get_weather", "arguments": call["arguments"]},
             {"type": "function_call_output", "call_id": call["call_id"], "output": "sunny"}]
    schema = {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"],
              "additionalProperties": False}
    _, final = await _send("responses", {**body, "input": after, "text": {"format": {
        "type": "json_schema", "name": "answer", "schema": schema, "strict": True}}})
    assert final["output"][0]["type"] == "message"
    assert json.loads(final["output"][0]["content"][0]["text"]) == {"summary": "demo"}


async def test_usage_of_what_the_demo_returned_is_what_the_ledger_charges(harness: Harness) -> None:
    token, key_id = await harness.create_key(10_000_000)
    async with harness.client() as client:
        response = await client.post("/v1/chat/completions", headers=auth(token), json=_chat(tools=TOOLS))
    usage = response.json()["usage"]
    charge = pricing.price("gpt-4.1", {"input_tokens": usage["prompt_tokens"],
                                       "output_tokens": usage["completion_tokens"]})
    assert response.json()["compose_receipt"]["final_amount_wei"] == str(charge.final_amount)
    assert await harness.ledger.totals(key_id) == (0, charge.final_amount)
    bound = pricing.quote_max("gpt-4.1", _chat(tools=TOOLS), "chat")
    assert usage["prompt_tokens"] <= bound.prompt_tokens  # the demo never reports above the gateway's bound


@pytest.mark.parametrize(("schema", "expected"), [
    ({"type": "object", "properties": {"a": {"type": "integer", "exclusiveMinimum": 3, "multipleOf": 5}},
      "required": ["a"]}, {"a": 5}),
    ({"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 0.6}, 0.55),
    ({"type": "integer", "maximum": -3}, -3),
    ({"type": ["null", "string"], "maxLength": 2}, "de"),
    ({"type": "string", "minLength": 6}, "demooo"),
    ({"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"}, "AA-000"),
    ({"type": "array", "items": {"const": 1}, "minItems": 2}, [1, 1]),
    ({"type": "array", "prefixItems": [{"type": "boolean"}, {"type": "null"}], "minItems": 2}, [False, None]),
    ({"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]}, "2025-01-01"),
    ({"allOf": [{"$ref": "#/$defs/A"}, {"required": ["b"], "properties": {"b": {"enum": [2, 3]}}}],
      "$defs": {"A": {"properties": {"a": {"type": "boolean"}}, "required": ["a"]}}}, {"a": False, "b": 2}),
    ({"type": "object", "minProperties": 1, "additionalProperties": {"type": "integer"}}, {"demo0": 0}),
    ({"oneOf": [{"type": "string", "maxLength": 1}, {"type": "string", "minLength": 2}]}, "d"),
    ({"oneOf": [{"type": "string", "pattern": "(?<=a)b"}, {"type": "integer"}]}, 0),  # the first that can be
    (True, "demo"),
    ({"properties": {"a": {"type": "string"}, "b": {"not": {}}, "c": {"type": "null"}}, "maxProperties": 1},
     {"a": "demo"}),  # optional ones filled in when they can be, up to maxProperties
    ({"$defs": {"N": {"type": "object", "properties": {"next": {"$ref": "#/$defs/N"}}}}, "$ref": "#/$defs/N"},
     {"next": {"next": {"next": {"next": {}}}}}),  # a recursive optional property ends
])
def test_schema_instances_are_minimal_and_valid(schema: Any, expected: Any) -> None:
    assert instance(schema) == expected


@pytest.mark.parametrize("schema", [
    False, {"not": {}}, {"$ref": "#"}, {"type": "array", "minItems": 10_000}, {"type": 5}, [1],
    {"$ref": "https://example.com/schema"}, {"type": "integer", "minimum": 3, "maximum": 2},
    {"type": "string", "pattern": "(?<=a)b"}, {"type": "string", "pattern": "[["},
    {"type": "object", "properties": {"me": {"$ref": "#"}}, "required": ["me"]},
])
def test_what_no_instance_satisfies_is_refused_not_returned(schema: Any) -> None:
    with pytest.raises(Unsatisfiable):
        instance(schema)


JSON = st.recursive(st.none() | st.booleans() | st.integers(-10, 10) | st.sampled_from(
    ["object", "string", "array", "integer", "number", "#", "#/$defs/a", "function", "required", "tool", "^a+$"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
        ["type", "properties", "required", "items", "$ref", "$defs", "a", "enum", "anyOf", "allOf", "minItems",
         "pattern", "name", "function", "parameters", "json_schema", "schema", "role", "content", "minimum"]),
        inner, max_size=4), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parameters=JSON, form=JSON, choice=JSON, last=JSON)
def test_whatever_a_request_carries_the_demo_answers_200_or_400(parameters: Any, form: Any, choice: Any,
                                                                last: Any) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": parameters}}, {"function": parameters}]
    body = _chat(tools=tools, tool_choice=choice, response_format=form, messages=[*ASK, last])
    for stream in (False, True):
        status, _ = asyncio.run(_send("chat", body, stream))
        assert status in (200, 400)
    responses = {"model": "gpt-4.1", "input": [{"role": "user", "content": "x"}, last], "tool_choice": choice,
                 "tools": [{"type": "function", "name": "f", "parameters": parameters}], "text": {"format": form}}
    assert asyncio.run(_send("responses", responses))[0] in (200, 400)
