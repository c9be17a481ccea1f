"""multipart/form-data bodies (transcription and image-edit uploads, as the OpenAI SDK sends them), with
python-multipart."""

from __future__ import annotations

from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from gateway_min.http.errors import HTTPError
from gateway_min.http.request import Request

Upload = tuple[str, bytes, str]
"""(filename, bytes, content type)."""
Files = list[tuple[str, Upload]]
"""Uploads by field name, in order: a name may repeat (`image[]`)."""


def first(files: Files | None, *names: str) -> Upload | None:
    """The first upload under one of `names`."""
    return next((upload for name, upload in files or () if name in names), None)


async def read_form(request: Request) -> tuple[dict[str, Any], Files]:
    """(text fields, files as (filename, bytes, content type)); 400 on a malformed body."""
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if not boundary:
        raise HTTPError(400, "validation_error", "multipart/form-data without a boundary")
    body = await request.body()
    parts: list[dict[str, Any]] = []
    header_name = bytearray()
    header_value = bytearray()

    def on_part_begin() -> None:
        parts.append({"headers": {}, "data": bytearray()})

    def on_part_data(data: bytes, start: int, end: int) -> None:
        parts[-1]["data"] += data[start:end]

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        parts[-1]["headers"][bytes(header_name).decode("latin-1").lower()] = bytes(header_value)
        header_name.clear()
        header_value.clear()

    ended: list[bool] = []
    try:
        parser = MultipartParser(boundary, {
            "on_part_begin": on_part_begin, "on_part_data": on_part_data, "on_header_field": on_header_field,
            "on_header_value": on_header_value, "on_header_end": on_header_end, "on_end": lambda: ended.append(True),
        })
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:  # a malformed body, or a boundary the parser refuses (over 256 bytes)
        raise HTTPError(400, "validation_error", f"malformed multipart/form-data body: {exc}") from None
    if not ended:  # a body cut short: what was read of its last part is not the file that was sent
        raise HTTPError(400, "validation_error", "malformed multipart/form-data body: it ends before its closing "
                        "boundary")
    fields: dict[str, Any] = {}
    files: Files = []
    for part in parts:
        _, disposition = parse_options_header(part["headers"].get("content-disposition", b""))
        name = _text(disposition.get(b"name", b""), "a part's name")
        if not name:
            continue
        if b"filename" in disposition:
            kind = part["headers"].get("content-type", b"application/octet-stream").decode("latin-1")
            filename = disposition[b"filename"].decode("utf-8", "replace")  # a name only: never a path used here
            files.append((name, (filename, bytes(part["data"]), kind)))
        else:
            fields[name] = bytes(part["data"]).decode("utf-8", "replace")
    return fields, files


def _text(value: bytes, what: str) -> str:
    try:
        return value.decode()
    except UnicodeDecodeError:
        raise HTTPError(400, "validation_error", f"malformed multipart/form-data body: {what} is not UTF-8") from None
