"""Header codecs: round trips, lenient alphabet/padding, exact error messages, interop with the SDK's codecs."""

from __future__ import annotations

import base64

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from x402.http.utils import (
    decode_payment_required_header,
    decode_payment_response_header,
    decode_payment_signature_header,
    encode_payment_required_header,
    encode_payment_signature_header,
)
from x402.schemas import PaymentPayload as SdkPaymentPayload
from x402.schemas import PaymentRequired as SdkPaymentRequired

from gateway_min.payment.x402.protocol.codec import (
    MAX_HEADER_CHARS,
    decode_header,
    decode_receipt,
    encode_header,
    encode_receipt,
)
from gateway_min.payment.x402.protocol.errors import MalformedPayment
from gateway_min.payment.x402.protocol.models import (
    PaymentPayload,
    PaymentRequired,
    PaymentRequirements,
    ResourceInfo,
    SettleResponse,
)
from tests.gateway.payment.x402.protocol.test_eip712 import SPEC_PAYLOAD

# specs/transports-v2/http.md examples, byte for byte.
SPEC_SIGNATURE_HEADER = base64.b64encode(orjson.dumps(SPEC_PAYLOAD)).decode()
SPEC_FAILURE_RESPONSE = "eyJzdWNjZXNzIjpmYWxzZSwiZXJyb3JSZWFzb24iOiJpbnN1ZmZpY2llbnRfZnVuZHMiLCJuZXR3b3JrIjoiZWlwMTU1Ojg0NTMyIn0="
SPEC_REQUIRED_HEADER = (
    "eyJ4NDAyVmVyc2lvbiI6MiwiZXJyb3IiOiJQQVlNRU5ULVNJR05BVFVSRSBoZWFkZXIgaXMgcmVxdWlyZWQiLCJyZXNvdXJjZSI6eyJ1cmwiOiJodHRwczov"
    "L2FwaS5leGFtcGxlLmNvbS9wcmVtaXVtLWRhdGEiLCJkZXNjcmlwdGlvbiI6IkFjY2VzcyB0byBwcmVtaXVtIG1hcmtldCBkYXRhIiwibWltZVR5cGUiOiJh"
    "cHBsaWNhdGlvbi9qc29uIn0sImFjY2VwdHMiOlt7InNjaGVtZSI6ImV4YWN0IiwibmV0d29yayI6ImVpcDE1NTo4NDUzMiIsImFtb3VudCI6IjEwMDAwIiwi"
    "YXNzZXQiOiIweDAzNkNiRDUzODQyYzU0MjY2MzRlNzkyOTU0MWVDMjMxOGYzZENGN2UiLCJwYXlUbyI6IjB4MjA5NjkzQmM2YWZjMEM1MzI4YkEzNkZhRjAz"
    "QzUxNEVGMzEyMjg3QyIsIm1heFRpbWVvdXRTZWNvbmRzIjo2MCwiZXh0cmEiOnsibmFtZSI6IlVTREMiLCJ2ZXJzaW9uIjoiMiJ9fV19"
)

text = st.text(min_size=1, max_size=40)
digits = st.integers(0, 2**256 - 1).map(str)
address = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
json_scalar = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text
extra = st.dictionaries(text, json_scalar, max_size=4)
requirements = st.builds(
    PaymentRequirements,
    scheme=st.sampled_from(["exact", "upto"]),
    network=st.sampled_from(["eip155:43113", "eip155:43114"]),
    amount=digits,
    asset=address,
    payTo=address,
    maxTimeoutSeconds=st.integers(1, 86_400),
    extra=extra,
)
resources = st.builds(ResourceInfo, url=text, description=st.none() | text, mimeType=st.none() | text)
payloads = st.builds(
    PaymentPayload,
    resource=st.none() | resources,
    accepted=requirements,
    payload=st.dictionaries(text, json_scalar | extra, max_size=4),
    extensions=st.none() | st.dictionaries(text, extra, max_size=2),
)


@given(payloads)
def test_payload_round_trip(payload):
    header = encode_header(payload)
    assert header.isascii() and len(header) % 4 == 0
    assert decode_header(header, PaymentPayload) == payload


@given(st.builds(PaymentRequired, error=st.none() | text, resource=resources, accepts=st.lists(requirements, max_size=3)))
def test_payment_required_round_trip(required):
    assert decode_header(encode_header(required), PaymentRequired) == required


@given(payloads)
@example(PaymentPayload.model_validate(SPEC_PAYLOAD))
def test_padded_unpadded_urlsafe_and_whitespace_all_decode(payload):
    standard = encode_header(payload)
    urlsafe = base64.urlsafe_b64encode(base64.b64decode(standard)).decode()
    for variant in (standard, standard.rstrip("="), urlsafe, urlsafe.rstrip("="), f"  {standard}\t\n"):
        assert decode_header(variant, PaymentPayload) == payload


def test_encoding_is_standard_padded_base64_of_compact_json():
    payload = PaymentPayload.model_validate(SPEC_PAYLOAD)
    header = encode_header(payload)
    raw = base64.b64decode(header, validate=True)
    assert raw == orjson.dumps(orjson.loads(raw))  # compact: no spaces after separators
    assert orjson.loads(raw) == SPEC_PAYLOAD


def test_none_fields_are_left_out_and_extra_is_always_an_object():
    requirements = PaymentRequirements.model_validate(
        {"scheme": "exact", "network": "eip155:1", "amount": "1", "asset": "0x", "payTo": "0x", "maxTimeoutSeconds": 1,
         "extra": None}
    )
    assert requirements.extra == {}
    payload = PaymentPayload(accepted=requirements, payload={})
    assert orjson.loads(base64.b64decode(encode_header(payload))) == {
        "x402Version": 2, "accepted": {"scheme": "exact", "network": "eip155:1", "amount": "1", "asset": "0x",
                                       "payTo": "0x", "maxTimeoutSeconds": 1, "extra": {}}, "payload": {},
    }


def test_spec_headers_decode():
    required = decode_header(SPEC_REQUIRED_HEADER, PaymentRequired)
    assert required.error == "PAYMENT-SIGNATURE header is required"
    assert required.accepts[0].extra == {"name": "USDC", "version": "2"}
    assert decode_header(SPEC_SIGNATURE_HEADER, PaymentPayload).payload["authorization"]["value"] == "10000"
    failure = decode_header(SPEC_FAILURE_RESPONSE, SettleResponse)
    assert (failure.success, failure.error_reason, failure.transaction) == (False, "insufficient_funds", "")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "PAYMENT-SIGNATURE is empty"),
        ("   ", "PAYMENT-SIGNATURE is empty"),
        ("not base64!", "PAYMENT-SIGNATURE is not base64"),
        ("abcde", "PAYMENT-SIGNATURE is not base64"),
        ("ab=cd", "PAYMENT-SIGNATURE is not base64"),
        ("a" * (MAX_HEADER_CHARS + 4), "PAYMENT-SIGNATURE is too large"),
        (_b64(b"\xff\xfe"), "PAYMENT-SIGNATURE is not JSON"),
        (_b64(b"{'x402Version': 2}"), "PAYMENT-SIGNATURE is not JSON"),
        (_b64(b"[1, 2]"), "PAYMENT-SIGNATURE is not a JSON object"),
        (_b64(b'{"x402Version": 2, "extensions": {"x": ' + b"[" * 300 + b"]" * 300 + b"}}"),
         "PAYMENT-SIGNATURE is nested more than 64 levels deep"),  # passed here, and was a 500 when re-encoded
        (_b64(b"{}"), "PAYMENT-SIGNATURE x402Version must be 2"),
        (_b64(b'{"x402Version": 1}'), "PAYMENT-SIGNATURE x402Version must be 2"),
        (_b64(b'{"x402Version": "2"}'), "PAYMENT-SIGNATURE x402Version must be 2"),
        (_b64(b'{"x402Version": true}'), "PAYMENT-SIGNATURE x402Version must be 2"),
        (_b64(b'{"x402Version": 2}'), "PAYMENT-SIGNATURE is invalid: accepted: Field required; payload: Field required"),
    ],
)
def test_garbage_raises_malformed_payment_with_the_exact_message(value, message):
    with pytest.raises(MalformedPayment) as caught:
        decode_header(value, PaymentPayload)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("amount", ["-1", "1.5", "1e6", "", " 1", "1\n", "٣", "0x10", "1" * 79])
def test_amount_must_be_a_string_of_ascii_digits(amount):
    payload = PaymentPayload.model_validate(SPEC_PAYLOAD).wire()
    payload["accepted"]["amount"] = amount
    with pytest.raises(MalformedPayment, match=r"^PAYMENT-SIGNATURE is invalid: accepted\.amount: String should"):
        decode_header(_b64(orjson.dumps(payload)), PaymentPayload)


def test_header_name_follows_the_model_or_the_caller():
    with pytest.raises(MalformedPayment, match=r"^PAYMENT-REQUIRED is not base64$"):
        decode_header("!!", PaymentRequired)
    with pytest.raises(MalformedPayment, match=r"^PAYMENT-RESPONSE is not JSON$"):
        decode_header(_b64(b"nope"), SettleResponse)
    with pytest.raises(MalformedPayment, match=r"^X-PAYMENT is not base64$"):
        decode_header("!!", PaymentPayload, header="X-PAYMENT")


@given(st.dictionaries(text, json_scalar | extra, max_size=6))
def test_receipt_round_trip_is_unpadded_base64url(receipt):
    encoded = encode_receipt(receipt)
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    assert decode_receipt(encoded) == receipt
    padded_standard = base64.b64encode(orjson.dumps(receipt)).decode()
    assert decode_receipt(padded_standard) == receipt


def test_receipt_garbage():
    with pytest.raises(MalformedPayment, match=r"^X-Compose-Receipt is not a JSON object$"):
        decode_receipt(base64.urlsafe_b64encode(b"[]").decode())
    with pytest.raises(MalformedPayment, match=r"^X-Compose-Receipt is not base64$"):
        decode_receipt("***")


@given(payloads)
def test_sdk_decodes_our_signature_header_and_we_decode_its(payload):
    sdk = decode_payment_signature_header(encode_header(payload))
    assert isinstance(sdk, SdkPaymentPayload)
    assert sdk.model_dump(by_alias=True, exclude_none=True)["accepted"] == payload.wire()["accepted"]
    assert decode_header(encode_payment_signature_header(sdk), PaymentPayload).wire() == payload.wire()


def test_sdk_round_trips_our_payment_required_and_response():
    required = decode_header(SPEC_REQUIRED_HEADER, PaymentRequired)
    sdk = decode_payment_required_header(encode_header(required))
    assert isinstance(sdk, SdkPaymentRequired)
    assert decode_header(encode_payment_required_header(sdk), PaymentRequired) == required
    response = SettleResponse(success=True, transaction="0x" + "ab" * 32, network="eip155:43113", amount="5")
    assert decode_payment_response_header(encode_header(response)).amount == "5"


def test_many_field_errors_are_summarised_with_a_count():
    raw = orjson.dumps({"x402Version": 2, "accepted": {}, "payload": 1})
    with pytest.raises(MalformedPayment) as caught:
        decode_header(_b64(raw), PaymentPayload)
    message = str(caught.value)
    assert message.startswith("PAYMENT-SIGNATURE is invalid: accepted.scheme: Field required; ")
    assert message.endswith("; accepted.payTo: Field required; and 2 more")  # maxTimeoutSeconds, payload
