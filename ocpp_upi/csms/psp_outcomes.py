"""The words the reference CSMS answers the PSP webhook with.

Always 2xx once the signature holds and the body parses, because Razorpay counts anything else
(or no answer within 5 s) as a failed delivery, retries it for 24 h and then disables the
webhook; a valid event that cannot be acted on is still a delivered event. Slow work (remote
start, refunds) runs in the background after the answer.

* 404 ``{"error": "payments_disabled"}``: the CSMS has no PSP configured.
* 413 ``{"error": "body_too_large"}``: over ``CsmsSettings.max_webhook_body_bytes``; unread.
* 401 ``{"error": "invalid_signature"}``: ``X-Razorpay-Signature`` missing or wrong.
* 400 ``{"error": "malformed_event", "detail": ...}``: not a PSP event envelope.
* 500: handling failed; the event id is forgotten so the PSP's retry is processed afresh.
* 200 ``{"result": "duplicate"}``: this event id was seen, or this capture already started
  its order (``payment.captured`` and ``order.paid`` name the same payment).
* 200 ``{"result": "ignored"}``: an event the CSMS does not act on (e.g. payment.authorized).
* 200 ``{"result": "unknown_order"}``: the payment is for no order of ours; nothing starts.
* 200 ``{"result": "amount_mismatch"}``: amount or currency differ from the order; nothing
  starts and the payment is refunded in full (money was taken, nothing will be delivered).
* 200 ``{"result": "order_already_paid"}``: another payment already paid this order; this one
  is refunded in full.
* 200 ``{"result": "start_scheduled", ...}``: payment admitted; the remote start follows.
* 200 ``{"result": "payment_failed" | "refund_recorded" | "unknown_refund"}``: recorded.
"""

from __future__ import annotations

PAYMENTS_DISABLED = "payments_disabled"
MALFORMED_EVENT = "malformed_event"
IGNORED = "ignored"
UNKNOWN_ORDER = "unknown_order"
AMOUNT_MISMATCH = "amount_mismatch"
ORDER_ALREADY_PAID = "order_already_paid"
START_SCHEDULED = "start_scheduled"
PAYMENT_FAILED = "payment_failed"
REFUND_RECORDED = "refund_recorded"
UNKNOWN_REFUND = "unknown_refund"

# Why a refund was made (refunds.reason); the start outcomes of ``outcomes`` are reasons too.
REASON_UNUSED = "unused_prepayment"
REASON_START_DEADLINE = "start_deadline"
REASON_AMOUNT_MISMATCH = "amount_mismatch"
REASON_ORDER_ALREADY_PAID = "order_already_paid"
