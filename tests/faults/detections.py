"""The fault-injected variants, the scenarios aimed at each, and what the matrix runs of each.

Shared by the fault-detection test (which judges the results) and the matrix's child plugin
(which selects the runs from the collected suite), so both plan from one definition.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from tests.suite_runner import Verdict

VARIANTS = "tests.faults.variants"
ALL_VERSIONS = ("ocpp1.6", "ocpp2.0.1", "ocpp2.1")
# The ocpp_frames scenarios that connect and boot; the wrong-password one stops at the
# handshake's 401, so a fault after the handshake must leave it passing.
BOOTING_FRAME_SCENARIOS = (
    "accepts_the_boot",
    "heartbeat_with_its_current_time",
    "conform_to_ocpp",
    "unknown_action",
    "across_a_charger_reconnect",
    "operators_remote_start_and_remote_stop",
)


@dataclass(frozen=True)
class Detection:
    """A variant, the feature whose scenarios guard its rule, and how they must fail."""

    variant: str
    feature: str
    scenarios: tuple[str, ...]  # fragments of the scenario test names that must fail
    message: str | tuple[str, ...]  # the failing scenarios' own message (one per scenario)
    versions: tuple[str, ...] = ALL_VERSIONS
    # Negative scenarios whose positive control this variant breaks: they cannot be judged
    # and must be ERROR "no positive control", never PASS (nor FAIL: the rule they check holds).
    unjudgeable: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.variant}@{self.feature}"

    def messages(self) -> tuple[str, ...]:
        return (self.message,) if isinstance(self.message, str) else self.message

    def aims_at(self, test_name: str) -> bool:
        """True for a run (``test_<scenario>[<version>]``) of a scenario aimed at this rule."""
        return any(f in test_name for f in self.scenarios) and any(
            test_name.endswith(f"[{v}]") for v in self.versions
        )


DETECTIONS = (
    Detection(
        "IgnoresSignature",
        "static_qr",
        ("forged_signature", "without_a_signature"),
        "the CSMS accepted a credit notification whose signature is not valid",
    ),
    Detection(
        "StartsTwiceOnDuplicate",
        "static_qr",
        ("notification_delivered_twice",),
        "the CSMS remotely started 2 times for one payment",
    ),
    Detection(
        "StartsUnknownReference",
        "static_qr",
        ("names_no_evse", "does_not_have"),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "StickerImageForAnotherEvse",
        "static_qr",
        ("sticker_image_a_driver_scans",),
        "the static QR does not route the payment to this EVSE",
    ),
    Detection(
        "SvgStickerForAnotherEvse",
        "static_qr",
        ("sticker_image_a_driver_scans",),
        "the static QR does not route the payment to this EVSE",
    ),
    Detection(
        "WrongStaticQrCurrency",
        "static_qr",
        ("static_qr_configured", "sticker_image_a_driver_scans"),  # the image shows it too
        "the static QR is not a valid UPI payment link",
    ),
    Detection(
        "TrustsReturnUrl",
        "redirect_qr",
        ("browser_returns",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "IgnoresWebhookAmount",
        "redirect_qr",
        ("amount_differs",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "RefundsTwice",
        "refunds",
        (
            "unused_amount_is_refunded",
            "rejects_the_start",
            "no_transaction_begins",
            "refund_api_fails_twice",
            "every_webhook_delivered_twice",
        ),
        "refunds of",
    ),
    Detection(
        "RefundsFullAfterCharging",
        "refunds",
        ("unused_amount_is_refunded", "refund_api_fails_twice", "every_webhook_delivered_twice"),
        "the CSMS refunded the wrong amount",
    ),
    Detection(
        "NoRefundAfterRejectedStart",
        "refunds",
        ("rejects_the_start",),
        "the CSMS made no refund of the full 200.00 INR",
    ),
    Detection(
        "NeverStartsPaidOrder",
        "redirect_qr",
        (
            "paid_order_remotely_starts",
            "starts_with_the_prepaid_energy_limit",
            "directpayment_idtoken",
            "authorized_payment_starts_nothing_until",
        ),
        "the CSMS did not remotely start EVSE 1",
        unjudgeable=(
            "failed_payment",
            "abandoned_payment",
            "browser_returns",
            "amount_differs",
            "capture_fails",
        ),
    ),
    Detection(
        "StartsOnFailedPayment",
        "redirect_qr",
        # a capture that fails is a payment.failed too
        ("failed_payment_starts_nothing", "authorized_payment_whose_capture_fails"),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "NoTransactionLimit",
        "redirect_qr",
        ("starts_with_the_prepaid_energy_limit",),
        "the CSMS did not limit the session to the energy 200.00 INR buys",
    ),
    Detection(
        "LimitInKwh",
        "redirect_qr",
        ("starts_with_the_prepaid_energy_limit",),
        "the CSMS did not limit the session to the energy 200.00 INR buys",
    ),
    Detection(
        "NoRefundRetry",
        "refunds",
        ("refund_api_fails_twice",),
        "the CSMS made no refund of the unused amount",
    ),
    Detection(
        "NoStartDeadlineRefund",
        "refunds",
        ("no_transaction_begins",),
        "the CSMS made no refund of the full 200.00 INR",
    ),
    Detection(
        "AcceptsExpiredTotp",
        "dynamic_qr_totp",
        ("two_intervals_old",),
        "the CSMS accepted an expired, foreign, malformed or missing TOTP",
    ),
    Detection(
        "AcceptsForeignTotp",
        "dynamic_qr_totp",
        ("another_station",),
        "the CSMS accepted an expired, foreign, malformed or missing TOTP",
    ),
    Detection(
        "LimitInKwh",
        "transaction_limits",
        ("in_wh_after_tax",),
        "the CSMS did not limit the session to the energy 200.00 INR buys",
    ),
    Detection(
        "ForgetsTax",
        "transaction_limits",
        (
            "in_wh_after_tax",
            "stops_at_the_limit",
            "stopped_by_the_csmss_metering",
            "metering_still_stops",
        ),
        (
            "the CSMS did not limit the session to the energy 200.00 INR buys",
            "the session delivered more energy than 200.00 INR pays for",
            "the CSMS let the session run on past its prepaid limit",
        ),
    ),
    Detection(
        "NoTransactionLimit",
        "transaction_limits",
        ("in_wh_after_tax", "stops_at_the_limit", "also_gets_maxcost"),
        (
            "the CSMS did not limit the session to the energy 200.00 INR buys",
            "the charger never received an energy limit it could enforce",
            "the CSMS did not send the prepaid amount as maxCost",
        ),
    ),
    Detection(
        "NeverStops16Station",
        "transaction_limits",
        ("stopped_by_the_csmss_metering", "metering_still_stops"),
        "the CSMS never stopped a station that cannot enforce the prepaid limit",
        versions=("ocpp1.6",),
    ),
    Detection(
        "OversizedIdToken",
        "ocpp_frames",
        # the ocpp_frames scenarios with a remote start
        ("transaction_and_its_limit_across", "operators_remote_start_and_remote_stop"),
        "is longer than",
    ),
    Detection(
        "WrongResultMessageId",
        "ocpp_frames",
        BOOTING_FRAME_SCENARIOS,
        "carrying the wrong message id",
    ),
    Detection(
        "TwoCallsAtOnce",
        "ocpp_frames",
        BOOTING_FRAME_SCENARIOS,
        "is still unanswered",
    ),
    Detection(
        "NeverAnswersBootNotification",
        "ocpp_frames",
        BOOTING_FRAME_SCENARIOS,
        "the CSMS did not answer BootNotification within",
    ),
    Detection(
        "WrongSubprotocol",
        "ocpp_frames",
        (
            *BOOTING_FRAME_SCENARIOS,
            "chooses_the_ocpp_version",
            "closes_a_connection_that_offers",
            "websocket_without_tls",  # its positive control connects over TLS first
        ),
        (
            "the CSMS did not negotiate the OCPP subprotocol the charger offered",
            "the CSMS did not choose the one offered OCPP version it speaks",
            "the CSMS went on with a charger that offered no OCPP version it speaks",
        ),
    ),
    Detection(
        "AcceptsAnyOfferedSubprotocol",
        "ocpp_frames",
        ("chooses_the_ocpp_version", "closes_a_connection_that_offers_no_ocpp"),
        (
            "the CSMS did not choose the one offered OCPP version it speaks",
            "the CSMS went on with a charger that offered no OCPP version it speaks",
        ),
    ),
    Detection(
        "IgnoresOperatorStart",
        "ocpp_frames",
        ("operators_remote_start_and_remote_stop",),
        "the CSMS did not remotely start EVSE 1 within",  # the deadline: the run's remote_start
    ),
    Detection(
        "StopsAnotherTransaction",
        "ocpp_frames",
        ("operators_remote_start_and_remote_stop",),
        "the CSMS remotely stopped another transaction than the one the operator chose",
    ),
    Detection(
        "KeepsConnectionWithoutSubprotocol",
        "ocpp_frames",
        # (one that offers nothing at all may be kept open: PASS with that quirk)
        ("closes_a_connection_that_offers_no_ocpp",),
        "the CSMS went on with a charger that offered no OCPP version it speaks",
    ),
    Detection(
        "RefundsStaticQr",
        "refunds",
        ("payment_is_never_refunded",),
        "the CSMS tried to refund a static-QR payment",
    ),
    Detection(
        "IgnoresPspSignature",
        "webhook_security",
        (
            "psp_webhook_whose_signature_is_forged",
            "psp_webhook_with_no_signature_header",
            "psp_webhook_with_a_tampered_amount",
        ),
        (
            "the CSMS accepted a PSP webhook with a forged signature",
            "the CSMS accepted a PSP webhook without a signature",
            "the CSMS accepted a PSP webhook whose body was changed after it was signed",
        ),
    ),
    Detection(
        "AcceptsReplayedPspWebhook",
        "webhook_security",
        ("psp_webhook_replayed",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "AcceptsOversizedWebhook",
        "webhook_security",
        ("bank_webhook_with_an_oversized_body", "psp_webhook_with_an_oversized_body"),
        (
            "the CSMS accepted a bank webhook with an oversized (2 MiB) validly signed body",
            "the CSMS accepted a PSP webhook with an oversized (2 MiB) validly signed body",
        ),
    ),
    Detection(
        "StartsWithoutPayment",
        "webhook_security",
        ("psp_webhook_for_an_unknown_order",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "NeverStartsOnCredit",
        "static_qr",
        (
            "credit_on_the_evses_reference",
            "credit_on_evse_2s_reference",
            "notification_delivered_twice",
            # the negatives' own positive control: a genuine credit afterwards must start
            "names_no_evse",
            "does_not_have",
            "forged_signature",
            "without_a_signature",
            "longer_ago_than_the_freshness_window",
        ),
        ("the CSMS did not remotely start EVSE 1", "the CSMS did not remotely start EVSE 2"),
    ),
    Detection(
        "NoTotpSkew",
        "dynamic_qr_totp",
        ("one_interval_old", "next_interval"),
        "the CSMS refused a valid dynamic QR",
    ),
    Detection(
        "NoForwardTotpSkew",
        "dynamic_qr_totp",
        ("next_interval",),
        "the CSMS refused a valid dynamic QR",
    ),
    Detection(
        "AcceptsAnyTotp",
        "dynamic_qr_totp",
        # (a missing TOTP never reaches the rule: the empty path segment matches no route)
        ("two_intervals_old", "another_station", "malformed_totp"),
        "the CSMS accepted an expired, foreign, malformed or missing TOTP",
    ),
    Detection(
        "ShortTotpSecret",
        "dynamic_qr_totp",
        (
            "configured_with_valid_values",
            "current_totp_opens",
            "one_interval_old",
            "next_interval",
            "two_intervals_old",
            "another_station",
            "malformed_totp",
            "missing_totp",
        ),
        "the CSMS did not configure web payments",
    ),
    Detection(
        "MetersPerConnection",
        "transaction_limits",
        ("metering_still_stops",),
        "the CSMS never stopped a station that cannot enforce the prepaid limit",
    ),
    Detection(
        "IgnoresCreditTime",
        "static_qr",
        ("longer_ago_than_the_freshness_window",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "IgnoresCreditTime",
        "webhook_security",
        ("beyond_the_freshness_window_in_the_future",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "StartsFirstEvse",
        "static_qr",
        ("credit_on_evse_2s_reference",),
        "the CSMS remotely started a different EVSE than the payment named",
    ),
    Detection(
        "AcceptsAnyPassword",
        "ocpp_frames",
        ("wrong_basicauth_password",),
        "the CSMS did not refuse a charger with a wrong Basic-auth password",
    ),
    Detection(  # the matrix runs under security profile 2 (TLS)
        "AcceptsPlainWebSocket",
        "ocpp_frames",
        ("opens_no_websocket_without_tls",),
        "the CSMS accepted a plain ws:// connection (no TLS)",
    ),
    Detection(
        "IgnoresSignature",
        "webhook_security",
        (
            "bank_webhook_whose_signature_is_forged",
            "bank_webhook_with_no_signature_header",
            "bank_webhook_with_a_tampered_amount",
        ),
        (
            "the CSMS accepted a bank webhook with a forged signature",
            "the CSMS accepted a bank webhook without a signature",
            "the CSMS accepted a bank webhook whose body was changed after it was signed",
        ),
    ),
    Detection(
        "AcknowledgesMalformedWebhooks",
        "webhook_security",
        ("bank_webhook_with_a_malformed_body", "psp_webhook_with_a_malformed_body"),
        (
            "the CSMS accepted a bank webhook whose validly signed body is not JSON",
            "the CSMS accepted a PSP webhook whose validly signed body is not JSON",
        ),
    ),
    Detection(
        "StartsUnknownReference",
        "webhook_security",
        ("bank_webhook_on_an_unknown_reference",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "StartsTwiceOnDuplicate",
        "webhook_security",
        ("bank_webhook_replayed",),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "OpensPayPageWithoutTotp",
        "dynamic_qr_totp",
        ("missing_totp",),
        "the CSMS accepted an expired, foreign, malformed or missing TOTP",
    ),
    Detection(
        "StartsBeforePayment",
        "redirect_qr",
        # every negative looks back to the checkout, so a start set off by the order counts
        (
            "paid_order_remotely_starts",
            "starts_with_the_prepaid_energy_limit",
            "failed_payment",
            "abandoned_payment",
            "returns_to_the_success_page",
            "amount_differs_from_the_order",
            "directpayment_idtoken",
            "authorized_payment_starts_nothing_until",
            "authorized_payment_whose_capture_fails",
        ),
        (
            "the CSMS remotely started EVSE 1 before the payment was confirmed",
            "the CSMS remotely started a charger although it must start nothing",
        ),
    ),
    Detection(
        "CentralTokenForPspPayments",
        "redirect_qr",
        ("directpayment_idtoken",),
        "the remote start of a PSP-paid session does not name the payment as DirectPayment",
        versions=("ocpp2.1",),
    ),
    Detection(
        "StartsOnAuthorized",
        "redirect_qr",
        ("authorized_payment_starts_nothing_until", "authorized_payment_whose_capture_fails"),
        "the CSMS remotely started a charger although it must start nothing",
    ),
    Detection(
        "SurchargesOrder",
        "redirect_qr",
        ("intent_link_on_the_pay_page", "starts_with_the_prepaid_energy_limit"),
        (
            "the intent link asks for another amount than the driver chose",
            "the CSMS did not limit the session to the energy 200.00 INR buys",
        ),
    ),
    Detection(
        "WrongErrorCodeForUnknownAction",
        "ocpp_frames",
        ("unknown_action",),
        "the CSMS answered an unknown action with the wrong CALLERROR code",
    ),
    Detection(
        "ForgetsTransactionOnReconnect",
        "ocpp_frames",
        ("across_a_charger_reconnect",),
        "the CSMS treated the transaction as unknown after the charger reconnected",
    ),
    Detection(
        "BootClockOff",
        "ocpp_frames",
        ("accepts_the_boot",),
        "the CSMS accepted the boot without a usable heartbeat interval or clock",
    ),
    Detection(
        "HeartbeatClockOff",
        "ocpp_frames",
        ("heartbeat_with_its_current_time",),
        "the CSMS answered Heartbeat with a clock the station cannot use",
    ),
    Detection(
        "RejectsLocalIdTag",
        "ocpp_frames",
        ("conform_to_ocpp", "localcard_transaction_across"),
        "the CSMS did not authorize the local id tag the profile names",
    ),
)


# Runs of its feature's scenarios not aimed at a variant that it still makes, to show that
# breaking one rule fails nothing else; the first variant of each family (the variants whose
# rules one feature guards) makes every run of that feature instead.
SAMPLE_SIZE = 1


# Why a run applies to no CSMS in this run: a scenario of other OCPP versions, or one of another
# security profile than the bundled CSMS speaks here (it decides that at run time, so the
# matrix plans such runs and they end NOT APPLICABLE).
NOT_APPLICABLE_REASONS = ("is defined for OCPP", "the profile's security_profile is")


def not_applicable(verdict: Verdict) -> bool:
    """A run listed and judged nowhere: see ``NOT_APPLICABLE_REASONS``."""
    return verdict.verdict == "NOT APPLICABLE" and any(
        reason in verdict.message for reason in NOT_APPLICABLE_REASONS
    )


def family_representatives(reference: dict[str, Verdict]) -> set[str]:
    """Per family (the variants whose rules one feature guards), the variant aimed at the
    fewest of the feature's runs (the first of equals): it leaves the most of the feature to
    pass, so its whole-feature run says the most about "nothing else fails"."""
    best: dict[str, tuple[int, str]] = {}
    for d in DETECTIONS:
        aimed = sum(1 for n in reference if d.aims_at(n) and not not_applicable(reference[n]))
        if d.feature not in best or aimed < best[d.feature][0]:
            best[d.feature] = (aimed, d.key)
    return {key for _, key in best.values()}


def all_planned_runs(reference: dict[str, Verdict]) -> dict[str, set[str]]:
    """Every variant's planned runs, by detection key: the families' representatives are
    picked once (picking them scans every run for every variant)."""
    representatives = family_representatives(reference)
    return {d.key: _planned_runs(d, reference, representatives) for d in DETECTIONS}


def _planned_runs(
    detection: Detection, reference: dict[str, Verdict], representatives: set[str]
) -> set[str]:
    """The runs a variant makes in the matrix: its aimed and unjudgeable runs and a sample of
    the rest of its feature (a stable pick per variant), or its whole feature for a family's
    representative.

    The sample stays inside the feature: a variant breaks a rule other features' scenarios may
    rest on too (one that never answers BootNotification fails every scenario that boots), so
    "nothing else fails" is a claim about the scenarios of the feature guarding that rule."""
    applicable = {n: v for n, v in reference.items() if not not_applicable(v)}
    if detection.key in representatives:
        return {n for n, v in applicable.items() if v.feature == detection.feature}
    aimed = {n for n in applicable if detection.aims_at(n)}
    unjudgeable = {
        n
        for n, v in applicable.items()
        if v.feature == detection.feature and any(f in n for f in detection.unjudgeable)
    }
    # A sampled run must stand alone: a negative scenario ("... starts nothing") may rest on a
    # positive control an earlier run of the whole suite made, which a sample does not repeat.
    rest = sorted(
        {
            n
            for n, v in applicable.items()
            if v.feature == detection.feature
            and n not in aimed | unjudgeable
            and not ("starts_nothing" in n or "nothing_starts" in n)
        },
        key=lambda n: hashlib.sha256(f"{detection.key}|{n}".encode()).hexdigest(),
    )
    return aimed | unjudgeable | set(rest[:SAMPLE_SIZE])


def plan_id(detection: Detection) -> str:
    """The variant's id in the matrix's run names (``test_x[ocpp2.1-<id>]``)."""
    return detection.key.replace("@", "_on_")
