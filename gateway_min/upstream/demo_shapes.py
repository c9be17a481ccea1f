"""What a request asks the demo provider for beyond plain text, answered deterministically and faithfully:

- tools (chat `tools` or legacy `functions`, Responses function tools) with a `tool_choice` other than "none": a
  call of the named function, or (auto, required) of the first function the conversation has not called yet (one
  the last user message names first), its arguments a minimal instance of the function's `parameters`
  (demo_schema.py); when the last message is a tool's result, and the choice is not `required` or a named function,
  a text answer, so that an agent's loop ends;
- `response_format` (chat) or `text.format` (Responses): `json_object` a JSON object, `json_schema` an instance of
  the schema, validated;
- embeddings of the asked `dimensions` (16 by default), unit length, as floats or (`encoding_format: "base64"`) as
  OpenAI sends them: base64 of little-endian float32.

An answer is a list of pieces, each one output token: words of a text (JSON is written with a space after each
separator, so its words are pieces too), fragments of a call's arguments. Joined with single spaces they are the
answer; streamed, each piece is a chunk. A request the demo cannot answer so raises DemoRefusal (a 400).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
from dataclasses import dataclass
from typing import Any, Final

from gateway_min.upstream.demo_schema import Unsatisfiable, instance

DEFAULT_DIMENSIONS: Final = 16
MAX_DIMENSIONS: Final = 3_072  # text-embedding-3-large's
TOOL_RESULTS: Final = frozenset({"tool", "function"})
ANY_OBJECT: Final = {"type": "object", "properties": {}}


class DemoRefusal(ValueError):
    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Call:
    name: str
    call_id: str
    legacy: bool = False
    """A legacy `functions` call (`function_call`), not a tool call."""


@dataclass(frozen=True)
class Answer:
    pieces: list[str]
    """The output tokens: words of the text, or fragments of the call's arguments (joined: its `arguments`)."""
    finish: str
    """Chat's finish_reason: stop, length, tool_calls, function_call (a legacy `functions` call)."""
    call: Call | None = None

    @property
    def text(self) -> str:
        return " ".join(self.pieces)

    @property
    def truncated(self) -> bool:
        return self.finish == "length"

    def fragments(self) -> list[str]:
        """The pieces as streamed: each one's separating space kept, so that they join to the answer."""
        return [piece if i == 0 else " " + piece for i, piece in enumerate(self.pieces)]


def json_text(value: Any) -> str:
    """JSON as the demo writes it: `", "` and `": "` between items, so that its words are its tokens."""
    return json.dumps(value, ensure_ascii=False)


def words(value: Any) -> int:
    """Tokens of a JSON value a request carries (tools, formats, call arguments): its words, never more than the
    bytes the gateway's prompt bound counts for it."""
    if value is None:
        return 0
    return len((value if isinstance(value, str) else json_text(value)).split())


def limited(pieces: list[str], limit: int, finish: str, call: Call | None = None) -> Answer:
    """At most `limit` pieces: cut there (finish `length`), as a provider stops at the output limit."""
    if len(pieces) > limit:
        return Answer(pieces[:max(limit, 0)], "length", call)
    return Answer(pieces, finish, call)


def chat_answer(body: dict[str, Any], reply: list[str], limit: int, seed: str) -> Answer:
    """A chat request's answer: a tool call when one is due, else `reply` in the asked response format."""
    functions, choice, legacy = _chat_functions(body)
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    called = {name for m in messages for name in _called(m)}
    last_result = bool(messages) and str(messages[-1].get("role")) in TOOL_RESULTS
    asked = " ".join(_texts(next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")))
    chosen = pick(functions, choice, last_result, called, asked)
    if chosen is not None:
        return call_answer(chosen, limit, seed, "function_call" if legacy else "tool_calls")
    form = body.get("response_format")
    return limited(formatted(form if isinstance(form, dict) else None, reply, "response_format"), limit, "stop")


def responses_answer(body: dict[str, Any], items: list[dict[str, Any]], reply: list[str], limit: int,
                     seed: str) -> Answer:
    """A Responses request's answer: a function call when one is due, else `reply` in the asked `text.format`."""
    tools = body.get("tools")
    functions = [t for t in tools if isinstance(t, dict) and t.get("type") == "function"
                 and isinstance(t.get("name"), str)] if isinstance(tools, list) else []
    called = {str(item.get("name")) for item in items if item.get("type") == "function_call"}
    last_result = bool(items) and items[-1].get("type") == "function_call_output"
    asked = " ".join(next((_texts(i.get("content")) for i in reversed(items) if i.get("role") == "user"), []))
    chosen = pick(functions, body.get("tool_choice", "auto"), last_result, called, asked)
    if chosen is not None:
        return call_answer(chosen, limit, seed, "tool_calls")
    text = body.get("text")
    form = text.get("format") if isinstance(text, dict) else None
    if isinstance(form, dict) and form.get("type") == "json_schema":
        form = {"type": "json_schema", "json_schema": form}  # chat's shape: the schema one level down
    return limited(formatted(form if isinstance(form, dict) else None, reply, "text.format"), limit, "stop")


def pick(functions: list[dict[str, Any]], choice: Any, last_result: bool, called: set[str],
         asked: str) -> dict[str, Any] | None:
    """The function to call, or None for a text answer."""
    if not functions or choice == "none":
        return None
    named = _named(choice)
    if named is not None:
        found = next((f for f in functions if f["name"] == named), None)
        if found is None:
            raise DemoRefusal(f"tool_choice names the function {named[:80]!r}, which is not among the tools",
                              "tool_choice")
        return found
    if last_result and choice != "required":
        return None
    fresh = [f for f in functions if f["name"] not in called] or functions
    return next((f for f in fresh if f["name"].lower() in asked.lower()), fresh[0])


def call_answer(function: dict[str, Any], limit: int, seed: str, finish: str) -> Answer:
    parameters = function.get("parameters")
    try:
        arguments = instance(ANY_OBJECT if parameters is None else parameters)
    except Unsatisfiable as exc:
        raise DemoRefusal(f"function {function['name'][:80]!r}: {exc}", "tools") from None
    if not isinstance(arguments, dict):
        raise DemoRefusal(f"function {function['name'][:80]!r}: parameters must be an object schema", "tools")
    call_id = "call_demo" + hashlib.sha256((seed + function["name"]).encode()).hexdigest()[:20]
    call = Call(function["name"], call_id, finish == "function_call")
    return limited(json_text(arguments).split(" "), limit, finish, call)


def formatted(form: dict[str, Any] | None, reply: list[str], where: str) -> list[str]:
    """`reply` as the response format asks: words of text, a JSON object holding it, or an instance of a schema."""
    kind = form.get("type") if form is not None else None
    if kind == "json_object":
        return json_text({"reply": " ".join(reply)}).split(" ")
    if form is not None and kind == "json_schema":
        spec = form.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        try:
            return json_text(instance(ANY_OBJECT if schema is None else schema)).split(" ")
        except Unsatisfiable as exc:
            raise DemoRefusal(f"{where}: {exc}", where) from None
    return reply


def prompt_words(body: dict[str, Any]) -> int:
    """Prompt tokens beside the messages' text: the tools offered, the response format, the calls made."""
    extra = sum(words(body.get(field)) for field in ("tools", "functions", "response_format"))
    text = body.get("text")
    extra += words(text.get("format")) if isinstance(text, dict) else 0
    for message in body.get("messages") or []:
        for call in message.get("tool_calls") or [] if isinstance(message, dict) else ():
            function = call.get("function") if isinstance(call, dict) else None
            extra += words(function.get("arguments")) if isinstance(function, dict) else 0
    return extra


def embedding(text: str, dimensions: int) -> list[float]:
    """A deterministic unit vector of `dimensions` floats from the text's SHA-256."""
    raw = b""
    while len(raw) < dimensions:
        raw += hashlib.sha256(text.encode() + len(raw).to_bytes(4, "big")).digest()
    values = [(byte - 127.5) / 127.5 for byte in raw[:dimensions]]
    norm = math.sqrt(sum(v * v for v in values))
    return [round(v / norm, 6) for v in values]


def embedding_options(body: dict[str, Any]) -> tuple[int, str]:
    """(dimensions, encoding format) of an embeddings request, refused as OpenAI refuses what it cannot serve."""
    dimensions = body.get("dimensions", DEFAULT_DIMENSIONS)
    if dimensions is None:
        dimensions = DEFAULT_DIMENSIONS
    if type(dimensions) is not int or not 1 <= dimensions <= MAX_DIMENSIONS:
        raise DemoRefusal(f"dimensions must be an integer from 1 to {MAX_DIMENSIONS}", "dimensions")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise DemoRefusal("encoding_format must be 'float' or 'base64'", "encoding_format")
    return dimensions, str(encoding)


def encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


def _chat_functions(body: dict[str, Any]) -> tuple[list[dict[str, Any]], Any, bool]:
    """(the functions offered, the choice, whether they came as legacy `functions`)."""
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        offered = [t["function"] for t in tools if isinstance(t, dict) and t.get("type", "function") == "function"
                   and isinstance(t.get("function"), dict) and isinstance(t["function"].get("name"), str)]
        return offered, body.get("tool_choice", "auto"), False
    functions = body.get("functions")
    if isinstance(functions, list) and functions:
        offered = [f for f in functions if isinstance(f, dict) and isinstance(f.get("name"), str)]
        return offered, body.get("function_call", "auto"), True
    return [], "none", False


def _named(choice: Any) -> str | None:
    """The function a tool_choice names: chat's {"type": "function", "function": {"name"}}, Responses'
    {"type": "function", "name"}, legacy function_call's {"name"}."""
    if not isinstance(choice, dict):
        return None
    inner = choice.get("function")
    name = (inner if isinstance(inner, dict) else choice).get("name")
    return name if isinstance(name, str) else None


def _called(message: dict[str, Any]) -> list[str]:
    calls = message.get("tool_calls")
    names = [c["function"].get("name") for c in calls if isinstance(c, dict) and isinstance(c.get("function"), dict)] \
        if isinstance(calls, list) else []
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        names.append(legacy.get("name"))
    return [name for name in names if isinstance(name, str)]


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]
    return []
