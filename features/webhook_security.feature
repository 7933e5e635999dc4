@flow:webhook_security @security @seed:2.1.1 @seed:2.1.2
Feature: Webhook security: only a genuine, verified payment webhook starts anything
  Both payment webhooks move money into a charging session: the bank's credit notification
  (static QR, X-UPI-Signature) and the PSP's event (webpage redirect, X-Razorpay-Signature,
  x-razorpay-event-id). Each is signed with an HMAC-SHA256 over the exact raw body. A delivery
  the CSMS cannot verify (forged or missing signature, body changed after signing), cannot
  parse (not JSON) or should not read (oversized) is refused with a 4xx and starts nothing.
  A correctly signed delivery that moves nothing new (a replay of an event already processed,
  a payment for a reference or order the CSMS never issued) may be acknowledged with a 2xx,
  so the sender stops retrying, or refused with a 4xx; either way it starts nothing. After any
  of these, the genuine payment still starts its EVSE: nothing was lost to the hostile one.

  Background:
    Given a charger with 1 EVSE connected to the CSMS and booted

  # --- the bank's credit notification (static QR) ---------------------------------------------

  @needs:bank
  Scenario: Bank webhook whose signature is forged is refused and loses nothing
    When the bank sends a 200.00 INR credit on the reference of EVSE 1 with a forged signature
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:bank
  Scenario: Bank webhook with no signature header is refused and loses nothing
    When the bank sends a 200.00 INR credit on the reference of EVSE 1 with a missing signature
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:bank
  Scenario: Bank webhook with a tampered amount is refused and loses nothing
    When the bank sends a 200.00 INR credit on the reference of EVSE 1 with a tampered amount
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:bank
  Scenario: Bank webhook with a malformed body is refused and loses nothing
    When the bank sends a 200.00 INR credit on the reference of EVSE 1 with a malformed body
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:bank
  Scenario: Bank webhook with an oversized body is refused and loses nothing
    When the bank sends a 200.00 INR credit on the reference of EVSE 1 with an oversized body
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:bank
  Scenario: Bank webhook on an unknown reference may be acknowledged but starts nothing
    When the bank sends a validly signed 200.00 INR credit on an unknown reference
    Then the CSMS answers the webhook with a 2xx acknowledgement or a 4xx refusal
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:bank
  Scenario: Bank webhook dated beyond the freshness window in the future starts nothing
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1 made twice the freshness window in the future
    Then no remote start arrives within the quiet window
    And a genuine credit on EVSE 1 afterwards starts EVSE 1 (control)

  @needs:bank
  Scenario: Bank webhook replayed after it was processed may be acknowledged but starts nothing more
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline
    And the charger's transaction on EVSE 1 begins
    When the bank replays the very same signed credit
    Then the CSMS answers the webhook with a 2xx acknowledgement or a 4xx refusal
    And no remote start arrives within the quiet window

  # --- the PSP's event (webpage-redirect flow) ------------------------------------------------

  @needs:psp @needs:pay_page
  Scenario: PSP webhook whose signature is forged is refused and loses nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And a PSP webhook reports the driver's order captured with a forged signature
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:psp @needs:pay_page
  Scenario: PSP webhook with no signature header is refused and loses nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And a PSP webhook reports the driver's order captured with a missing signature
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:psp @needs:pay_page
  Scenario: PSP webhook with a tampered amount is refused and loses nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And a PSP webhook reports the driver's order captured with a tampered amount
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:psp @needs:pay_page
  Scenario: PSP webhook with a malformed body is refused and loses nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And a PSP webhook reports the driver's order captured with a malformed body
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:psp @needs:pay_page
  Scenario: PSP webhook with an oversized body is refused and loses nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And a PSP webhook reports the driver's order captured with an oversized body
    Then the CSMS refuses the webhook with a 4xx status
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:psp @needs:pay_page
  Scenario: PSP webhook for an unknown order may be acknowledged but starts nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And a validly signed PSP webhook reports a 200.00 INR capture for an order the CSMS never created
    Then the CSMS answers the webhook with a 2xx acknowledgement or a 4xx refusal
    And no remote start arrives within the quiet window
    And a valid webhook afterwards still works (nothing lost)

  @needs:psp @needs:pay_page
  Scenario: PSP webhook replayed after it was processed may be acknowledged but starts nothing more
    When the driver pays 200.00 INR for EVSE 1 through the pay page
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline
    And the charger's transaction on EVSE 1 begins
    When the PSP's payment.captured webhook is replayed with the same body, signature and event id
    Then the CSMS answers the webhook with a 2xx acknowledgement or a 4xx refusal
    And no remote start arrives within the quiet window
