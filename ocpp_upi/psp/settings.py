"""How one mock PSP instance is reached and what it pretends to be.

A vendor certifies a CSMS that already talks to Razorpay by pointing it at this mock: the only
things that change on their side are the API base URL, the key id/secret and the webhook secret,
so those are exactly the knobs here, with defaults that are safe for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocpp_upi.config import PspAccount

PROFILES = ("razorpay", "generic")

# Every webhook envelope names the merchant account it belongs to; one fixed value is enough,
# since a mock instance serves exactly one merchant.
ACCOUNT_ID = "acc_mockpsp"


@dataclass
class PspSettings:
    """Settings of one mock PSP. Times are in seconds; money is never configured here."""

    host: str = "127.0.0.1"
    port: int = 0  # 0 = the OS picks a free port; MockPsp.base_url names the one it got
    key_id: str = "rzp_test_ocppupi"
    key_secret: str = "mock-key-secret"
    webhook_secret: str = "mock-webhook-secret"
    webhook_url: str | None = None  # the CSMS's PSP webhook endpoint; settable later
    merchant_vpa: str = "cpo123@hdfcbank"
    merchant_name: str = "CPO-Name"
    mcc: str = "5552"  # Visa/Mastercard "Electric Vehicle Charging"
    webhook_timeout_s: float = 5.0  # Razorpay's limit: no answer within 5 s is a failure
    retry_base_s: float = 0.05  # first retry delay, doubling; scaled down from Razorpay's hours
    max_attempts: int = 6
    profile: str = "razorpay"  # or "generic"

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, got {self.profile!r}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.webhook_timeout_s <= 0 or self.retry_base_s < 0:
            raise ValueError("webhook_timeout_s must be positive and retry_base_s not negative")

    @classmethod
    def for_account(cls, account: PspAccount) -> PspSettings:
        """The mock PSP a profile's [psp] table describes: it listens where the CSMS under test
        was told the PSP is, with the keys and webhook the CSMS was given."""
        return cls(
            host=account.host,
            port=account.port,
            key_id=account.key_id,
            key_secret=account.key_secret,
            webhook_secret=account.webhook_secret,
            webhook_url=account.webhook_url,
            profile=account.profile,
        )
