"""x402 v2 wire models (spec §5, §7): camelCase on the wire, snake_case in Python."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

X402_VERSION: Literal[2] = 2

# Atomic units as a string of digits; 78 digits hold any uint256. Pydantic's Rust regex engine
# anchors `$` at the very end, so "1\n" is rejected.
AtomicAmount = Annotated[str, StringConstraints(pattern=r"^[0-9]+$", max_length=78)]


class WireModel(BaseModel):
    # Unknown fields are dropped, as the SDK does; the facilitator requests refuse them (VerifyRequest).
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def wire_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_none=True)


class ResourceInfo(WireModel):
    url: str
    description: str | None = None
    mime_type: str | None = None


class PaymentRequirements(WireModel):
    scheme: str
    network: str
    amount: AtomicAmount
    asset: str
    pay_to: str
    max_timeout_seconds: int
    extra: dict[str, Any] = Field(default_factory=dict)

    @field_validator("extra", mode="before")
    @classmethod
    def _null_extra_is_empty(cls, value: Any) -> Any:
        # Older SDKs sent `extra: null`; always hold (and send) an object.
        return {} if value is None else value


class PaymentRequired(WireModel):
    x402_version: Literal[2] = X402_VERSION
    error: str | None = None
    resource: ResourceInfo
    accepts: list[PaymentRequirements]
    extensions: dict[str, Any] | None = None


class PaymentPayload(WireModel):
    x402_version: Literal[2] = X402_VERSION
    resource: ResourceInfo | None = None
    accepted: PaymentRequirements
    payload: dict[str, Any]
    extensions: dict[str, Any] | None = None


class VerifyResponse(WireModel):
    is_valid: bool
    invalid_reason: str | None = None
    invalid_message: str | None = None
    payer: str | None = None


class SettleResponse(WireModel):
    success: bool
    error_reason: str | None = None
    error_message: str | None = None
    payer: str | None = None
    # Required by the spec, yet its own failure example omits it: read leniently, always write it.
    transaction: str = ""
    network: str
    amount: AtomicAmount | None = None


class SupportedKind(WireModel):
    x402_version: int
    scheme: str
    network: str
    extra: dict[str, Any] | None = None


class SupportedResponse(WireModel):
    kinds: list[SupportedKind]
    extensions: list[str] = Field(default_factory=list)
    signers: dict[str, list[str]] = Field(default_factory=dict)


class VerifyRequest(WireModel):
    model_config = ConfigDict(extra="forbid")

    x402_version: Literal[2] = X402_VERSION
    payment_payload: PaymentPayload
    payment_requirements: PaymentRequirements


class SettleRequest(VerifyRequest):
    pass
