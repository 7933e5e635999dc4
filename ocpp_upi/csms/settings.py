"""Configuration of the bundled reference CSMS.

Defaults match the seed's example sticker (``pa=cpo123@hdfcbank``, ``pn=CPO-Name``,
``tr=EVSE1234-1``) and its tariff example (10 INR per kWh), so the white paper's numbers can be
replayed as they are written. Ports default to 0 so parallel test runs never collide.

The webpage-redirect flow (seed 2.1.2: pay page, PSP, refunds) is off until ``psp_base_url``
is set, so a CSMS configured only for static QR never serves a pay page it cannot back.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ocpp_upi.limits import DEFAULT_LIMIT_ENCODING, LimitEncoding
from ocpp_upi.ocpp.versions import VERSIONS


@dataclass
class CsmsSettings:
    """Everything the reference CSMS needs to know; a harness profile points at the same values."""

    host: str = "127.0.0.1"
    ocpp_port: int = 0
    http_port: int = 0
    db_path: str = ":memory:"
    bank_webhook_secret: str = "reference-bank-secret"
    merchant_vpa: str = "cpo123@hdfcbank"
    payee_name: str = "CPO-Name"
    charger_password: str | None = None
    # Security profiles 2 and 3: serve OCPP over TLS with this certificate and key (PEM files);
    # with tls_client_ca (profile 3) each station must present a certificate that chains to it.
    tls_certificate: str | None = None
    tls_private_key: str | None = None
    tls_client_ca: str | None = None
    heartbeat_interval: int = 300
    price_per_kwh: Decimal = Decimal("10")
    # GST on EV charging in India, as the profile template; with tax in the tariff, a CSMS that
    # forgets it in the limit or the refund is caught (at 0 % the two would agree).
    tax_rate: Decimal = Decimal("0.18")
    reference_template: str = "{charger_id}-{evse}"
    # Kept below BankNotifier's default 5 s delivery timeout, so a bank waiting on the webhook
    # always gets the start outcome rather than timing out first.
    remote_start_timeout: float = 4.0
    # A credit whose credited_at is further than this from now (past or future) starts nothing:
    # the driver who paid long ago is gone, and UTR dedup alone cannot stop a replay after the
    # UTR table was pruned or lost (Stripe documents 300 s for signed webhooks).
    credit_freshness_s: float = 300.0
    ocpp_versions: tuple[str, ...] = VERSIONS
    # Tell the station the prepaid energy limit of a paid session (seed section 3.3): 2.1
    # transactionLimit, 2.0.1 customData, 1.6 DataTransfer (csms/limits.py). The CSMS meters
    # every paid session against its limit either way.
    send_transaction_limit: bool = True
    # How the limit is spelt on 1.6 (DataTransfer) and 2.0.1 (customData): camelCase names.
    limit_encoding: LimitEncoding = DEFAULT_LIMIT_ENCODING

    # Webpage-redirect QR + PSP (seed 2.1.2). The Razorpay-style API lives at psp_base_url + "/v1".
    psp_base_url: str | None = None
    psp_key_id: str = "rzp_test_reference"
    psp_key_secret: str = "reference-psp-key-secret"
    # The webhook secret is not the API key secret (Razorpay signs webhooks with its own).
    psp_webhook_secret: str = "reference-psp-webhook-secret"
    # Bound on every PSP API call, so a pay page answers (502) even when the PSP hangs.
    psp_timeout_s: float = 5.0
    # Razorpay's S2S UPI intent requires a customer e-mail and phone; the pay page asks for
    # neither (a driver should not have to type them at a charger), so the CPO's own are sent.
    psp_customer_email: str = "driver@example.com"
    psp_customer_contact: str = "9000090000"
    # A paid session must have begun this long after the payment was confirmed, else the whole
    # amount is refunded (money taken, nothing delivered).
    start_deadline_s: float = 10.0
    # Refund retries on an unavailable PSP: waits of base, 2*base, 4*base ... between attempts.
    refund_retry_base_s: float = 0.05
    refund_max_attempts: int = 5
    # What the pay page offers, in paise (100.00, 200.00 and 500.00 INR); the first is preselected.
    amount_choices_paise: tuple[int, ...] = (10000, 20000, 50000)

    # OCPP 2.1 C25 dynamic QR (1.6/2.0.1 via the white paper's backports): after boot, set
    # WebPaymentsCtrlr on every EVSE so its display links to /qr/... with a TOTP. Opt-in: it
    # adds configuration CALLs after every boot, which a charger must answer (a charger that
    # only speaks the core messages would see unexpected CALLs).
    web_payments: bool = False
    totp_validity_s: int = 30  # WebPaymentsCtrlr.ValidityTime, 6..3600 s
    totp_length: int = 12  # WebPaymentsCtrlr.Length, at least 6 characters
    # NotifyWebPaymentStarted.timeout: how long the station holds the EVSE for the web payer
    # (the white paper suggests at most 300 s).
    web_payment_timeout_s: int = 300
    # Largest webhook body (bank or PSP) the CSMS reads; anything longer is answered 413 before
    # it is read, so a flood of huge signed-or-not bodies cannot exhaust memory. Real
    # notifications are a few KiB.
    max_webhook_body_bytes: int = 64 * 1024

    def __post_init__(self) -> None:
        if not self.amount_choices_paise or min(self.amount_choices_paise) < 100:
            # Razorpay's minimum order amount is INR 1.00.
            raise ValueError("amount_choices_paise must offer amounts of at least 100 paise")
        if self.refund_max_attempts < 1:
            raise ValueError("refund_max_attempts must be at least 1")
        if not 6 <= self.totp_validity_s <= 3600 or not 6 <= self.totp_length <= 255:
            raise ValueError("totp_validity_s must be 6..3600 and totp_length 6..255")
        if self.web_payment_timeout_s < 0:
            raise ValueError("web_payment_timeout_s must not be negative")
        if self.start_deadline_s <= 0 or self.refund_retry_base_s < 0:
            raise ValueError("start_deadline_s must be positive, refund_retry_base_s not negative")

    @property
    def payments_enabled(self) -> bool:
        """Whether the pay page, PSP webhook and refunds are served."""
        return self.psp_base_url is not None
