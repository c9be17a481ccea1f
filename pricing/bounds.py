"""Provable upper bounds on the tokens of a request, without a tokenizer.

A byte-level BPE token covers at least one byte of text, so a text of n UTF-8 bytes is at most n tokens. Chat
templates add a few tokens per message (role markers, separators) and SentencePiece-style tokenizers may add a
word-start token per text segment: MESSAGE_OVERHEAD, PART_OVERHEAD and REQUEST_OVERHEAD cover those with margin.
Non-text parts are bounded by documented floors, not proofs: they count the bytes of their JSON form, an image
at least IMAGE_TOKENS (providers bill an image by its pixels, not by the length of its URL: OpenAI ≤ 1,536 patches
or 85 + 170 tiles, Gemini 258 per tile, Anthropic ≈ 1,600 for the largest accepted size), an inline file at least
FILE_TOKENS; a file referenced by id or URL cannot be bounded at all and is refused. Tool definitions add
TOOLS_OVERHEAD for the system prompt providers wrap around them. Usage above the bound is still settled at the
authorised maximum, and the excess recorded as uncollected.

A Responses API request may carry context the provider keeps (`previous_response_id`, `conversation`, a stored
`prompt`, `item_reference` items): its bytes are not in the request, so it has no bound of this kind
(UnboundedPrompt); the quote then bounds the prompt by the model's context window instead (pricing/quotes.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import orjson

from pricing.errors import NotQuotable

MESSAGE_OVERHEAD: Final = 16
PART_OVERHEAD: Final = 2
REQUEST_OVERHEAD: Final = 16
IMAGE_TOKENS: Final = 8_192
FILE_TOKENS: Final = 32_768
TOOLS_OVERHEAD: Final = 1_024
# request fields that become prompt tokens besides the messages themselves
_PROMPT_FIELDS: Final = ("tools", "functions", "tool_choice", "response_format", "instructions", "prompt", "text")
# Responses API fields that bring in context the provider stores (not in the request)
SERVER_CONTEXT: Final = ("previous_response_id", "conversation")


class UnboundedPrompt(NotQuotable):
    """The prompt includes context the provider stores (named in the message): only the context window bounds it."""


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _json_bytes(value: Any) -> int:
    try:
        return len(orjson.dumps(value))
    except TypeError as exc:  # pragma: no cover - request bodies come from JSON
        raise NotQuotable(f"request part is not JSON: {exc}") from None


def _part_bound(part: Any, where: str) -> int:
    if isinstance(part, str):
        return _utf8(part) + PART_OVERHEAD
    if not isinstance(part, Mapping):
        raise NotQuotable(f"{where} must be a string or an object, got {type(part).__name__}")
    kind = part.get("type")
    if kind == "item_reference":
        raise UnboundedPrompt(f"{where} refers to an item the provider stores")
    if kind in ("text", "input_text", "output_text") and isinstance(part.get("text"), str):
        return _utf8(part["text"]) + PART_OVERHEAD
    if kind in ("image_url", "input_image", "image"):
        return max(_json_bytes(part), IMAGE_TOKENS) + PART_OVERHEAD
    if kind in ("file", "input_file", "document"):
        inner = part.get("file") if isinstance(part.get("file"), Mapping) else part
        if not (isinstance(inner, Mapping) and isinstance(inner.get("file_data"), str)):
            raise NotQuotable(f"{where}: a file referenced by id or URL has no upper bound on its tokens; send it "
                              "inline (file_data)")
        return max(_json_bytes(part), FILE_TOKENS) + PART_OVERHEAD
    return _json_bytes(part) + PART_OVERHEAD


def _content_bound(content: Any, where: str) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return _utf8(content) + PART_OVERHEAD
    if isinstance(content, Sequence):
        return sum(_part_bound(part, f"{where}[{i}]") for i, part in enumerate(content))
    raise NotQuotable(f"{where} must be a string or a list of parts, got {type(content).__name__}")


def _message_bound(message: Any, where: str) -> int:
    if not isinstance(message, Mapping):
        raise NotQuotable(f"{where} must be an object, got {type(message).__name__}")
    if message.get("type") == "item_reference":
        raise UnboundedPrompt(f"{where} refers to an item the provider stores")
    total = MESSAGE_OVERHEAD + _content_bound(message.get("content"), f"{where}.content")
    for key, value in message.items():
        if key == "content" or value is None:
            continue
        total += _utf8(value) if isinstance(value, str) else _json_bytes(value)  # role, name, tool_calls…
    return total


def chat_prompt_bound(body: Mapping[str, Any]) -> int:
    """Upper bound on the prompt tokens of a chat-completions (`messages`) or responses (`input`) request;
    UnboundedPrompt when it includes context the provider stores."""
    for field in SERVER_CONTEXT:
        if body.get(field) is not None:
            raise UnboundedPrompt(f"`{field}` brings in context the provider stores")
    if isinstance(body.get("prompt"), Mapping):  # a stored prompt template, by id
        raise UnboundedPrompt("`prompt` names a template the provider stores")
    total = REQUEST_OVERHEAD
    messages = body.get("messages")
    if messages is None and "input" in body:  # responses API: a string or a list of input items
        messages = body["input"]
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
    if not isinstance(messages, Sequence) or isinstance(messages, str) or not messages:
        raise NotQuotable("a chat request needs `messages`: a non-empty list of messages")
    total += sum(_message_bound(message, f"messages[{i}]") for i, message in enumerate(messages))
    for field in _PROMPT_FIELDS:
        value = body.get(field)
        if value is not None:
            total += _utf8(value) if isinstance(value, str) else _json_bytes(value)
    if body.get("tools") or body.get("functions"):
        total += TOOLS_OVERHEAD
    return total


def embeddings_input_bound(body: Mapping[str, Any]) -> int:
    """Upper bound on the input tokens of an embeddings request (`input`: text, texts, or token arrays)."""
    value = body.get("input")
    if isinstance(value, str):
        return _utf8(value) + PART_OVERHEAD
    if isinstance(value, Sequence) and value:
        if all(type(item) is int for item in value):
            return len(value)  # one array of token ids
        total = 0
        for i, item in enumerate(value):
            if isinstance(item, str):
                total += _utf8(item) + PART_OVERHEAD
            elif isinstance(item, Sequence) and all(type(token) is int for token in item):
                total += len(item)
            else:
                raise NotQuotable(f"input[{i}] must be a string or a list of token ids")
        return total
    raise NotQuotable("an embeddings request needs `input`: a string, a list of strings or of token-id lists")


SEARCH_CHUNK: Final = 500  # Cohere: a document (with the query) longer than 500 tokens counts as several
SEARCH_DOCUMENTS: Final = 100  # Cohere: one search unit is a query over up to 100 documents (chunks)


def _rerank_texts(body: Mapping[str, Any]) -> tuple[int, list[int]]:
    """(bytes of the query, bytes of each document) of a rerank request (Cohere v2 shape, which Voyage and Jina
    also take: `query`, and `documents` as strings or objects with `text`)."""
    query = body.get("query")
    if not isinstance(query, str) or not query:
        raise NotQuotable("a rerank request needs `query`: a non-empty string")
    documents = body.get("documents")
    if not isinstance(documents, Sequence) or isinstance(documents, str) or not documents:
        raise NotQuotable("a rerank request needs `documents`: a non-empty list")
    sizes = []
    for index, document in enumerate(documents):
        text = document.get("text") if isinstance(document, Mapping) else document
        if not isinstance(text, str):
            raise NotQuotable(f"documents[{index}] must be a string or an object with `text`")
        sizes.append(_utf8(text))
    return _utf8(query), sizes


def rerank_token_bound(body: Mapping[str, Any]) -> int:
    """Upper bound on the tokens a token-priced rerank bills: the query once per document plus every document
    (Voyage's rule, the largest of the providers'), each with its part overhead."""
    query, sizes = _rerank_texts(body)
    return REQUEST_OVERHEAD + sum(query + size + 2 * PART_OVERHEAD for size in sizes)


def rerank_search_bound(body: Mapping[str, Any]) -> int:
    """Upper bound on the search units a search-priced rerank bills: each document with the query counts as one
    chunk per SEARCH_CHUNK tokens (a token is at least a byte), and a unit covers SEARCH_DOCUMENTS chunks."""
    query, sizes = _rerank_texts(body)
    chunks = sum(max(1, -(-(query + size) // SEARCH_CHUNK)) for size in sizes)
    return -(-chunks // SEARCH_DOCUMENTS)
