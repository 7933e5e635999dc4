"""What the harness and the reference CSMS share on purpose, and nothing else.

The harness judges a CSMS; the bundled reference CSMS is the default CSMS it judges. Code both
use would let one bug pass unseen (the judge and its target agreeing by construction), so the
reference CSMS imports nothing of the harness's judging side (``ocpp_upi.bank``, ``ocpp_upi.upi``,
``ocpp_upi.charger``; a test enforces it). What must be the same on both sides is a contract,
not a judgment, and lives here:

* ``webhook_signature``: the bank webhook's signature header and its HMAC-SHA256 primitive;
* ``ocpp_upi.limits`` (the prepaid-limit formula and the vendor-extension ids) is a contract too
  and may be imported by both.
"""
