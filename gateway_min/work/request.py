"""Reading a paid model request: its body (JSON, or a multipart upload for transcription), its model, whether it
streams, and the client's cap. Every failure is a 4xx, before anything is held."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, Final

from python_multipart.multipart import parse_options_header

import pricing
from gateway_min.http import HTTPError, Request
from gateway_min.http.multipart import Files, read_form
from generated.catalog import Model

CAP_HEADER: Final = "x-x402-max-amount-wei"
CAP_FIELD: Final = "max_payment_amount_wei"
MAX_CAP: Final = 10**15  # a billion USDC: anything above is a typo
_DIGITS: Final = re.compile(r"[0-9]{1,20}")
UPLOADS: Final = frozenset({"transcription", "image_edits"})  # the operations that take multipart uploads
MAX_EDIT_IMAGES: Final = 16  # OpenAI's own limit for gpt-image-1 edits


async def read_payload(request: Request, operation: str) -> tuple[dict[str, Any], Files | None]:
    """JSON for every route; transcription and image edits also take multipart/form-data (as the OpenAI SDK sends
    them); a transcription's JSON carries the audio as a base64 `file` (the native contract), an image edit's its
    images by URL (OpenAI's JSON form)."""
    if operation not in UPLOADS:
        return await request.json(), None
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type == b"multipart/form-data":
        fields, files = await read_form(request)
        if operation == "image_edits":
            _check_images(files)
        return fields, files
    body = await request.json()
    if operation == "image_edits":
        if not isinstance(body.get("images"), list) or not body["images"]:
            raise HTTPError(400, "validation_error", "an image edit needs its image(s): multipart `image` uploads, "
                            "or `images` (a list of {image_url}) in JSON")
        return body, None
    encoded = body.get("file")
    if not isinstance(encoded, str):
        raise HTTPError(400, "validation_error", "`file` is required: the audio, base64-encoded")
    try:
        audio = base64.b64decode(encoded.split(",", 1)[-1], validate=True)
    except (binascii.Error, ValueError):
        raise HTTPError(400, "validation_error", "`file` is not valid base64") from None
    name: str = body["filename"] if isinstance(body.get("filename"), str) else "audio.wav"
    rest = {k: v for k, v in body.items() if k not in ("file", "filename")}
    return rest, [("file", (name, audio, "application/octet-stream"))]


def _check_images(files: Files) -> None:
    images = [name for name, _ in files if name in ("image", "image[]")]
    if not images:
        raise HTTPError(400, "validation_error", "an image edit needs `image`: one or more uploaded images")
    if len(images) > MAX_EDIT_IMAGES:
        raise HTTPError(400, "validation_error", f"an image edit takes at most {MAX_EDIT_IMAGES} images, got "
                        f"{len(images)}")
    unknown = sorted({name for name, _ in files} - {"image", "image[]", "mask"})
    if unknown:
        raise HTTPError(400, "validation_error", f"unexpected upload(s) {', '.join(unknown)}: an image edit takes "
                        "`image` (or `image[]`) and an optional `mask`")


def resolve_model(body: dict[str, Any], operation: str) -> Model:
    name = body.get("model")
    if not isinstance(name, str) or not name:
        raise HTTPError(400, "validation_error", "`model` is required: a model id or alias from /v1/models")
    try:
        model = pricing.get_model(name)
    except pricing.UnknownModel:
        raise HTTPError(404, "model_not_found", f"The model '{name}' does not exist or is not served here") from None
    if operation not in model.operations:
        raise HTTPError(400, "validation_error", f"model '{name}' does not serve {operation} "
                        f"(it serves {', '.join(model.operations)})")
    return model


def stream_flag(body: dict[str, Any], operation: str) -> bool:
    value = body.get("stream", False)
    if operation in UPLOADS and isinstance(value, str) and value in ("true", "false"):  # a form field
        value = value == "true"
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise HTTPError(400, "validation_error", f"`stream_options` must be an object, got {options!r}")
    if not isinstance(value, bool):
        raise HTTPError(400, "invalid_stream", f"`stream` must be a boolean, got {value!r}")
    if value and operation not in ("chat", "responses"):
        raise HTTPError(400, "invalid_stream", f"streaming is not supported for {operation} here")
    return value


def client_cap(request: Request, body: dict[str, Any] | None = None) -> int | None:
    """The client's cap on what a request may cost: `x-x402-max-amount-wei`, else the body's
    `max_payment_amount_wei` (removed from the body so the upstream never sees it); None when neither is given.
    400 unless decimal digits, > 0."""
    raw: Any = request.headers.get(CAP_HEADER)
    name = CAP_HEADER
    if body is not None and CAP_FIELD in body:
        value = body.pop(CAP_FIELD)
        if raw is None:
            raw, name = (str(value) if type(value) in (int, str) else repr(value)), CAP_FIELD
    if raw is None:
        return None
    text = str(raw).strip()
    if not _DIGITS.fullmatch(text) or not 0 < int(text) <= MAX_CAP:
        raise HTTPError(400, "validation_error", f"{name} must be a positive integer of USDC atomic units "
                        f"(decimal digits, at most {MAX_CAP}), got {raw!r}")
    return int(text)
