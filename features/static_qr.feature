@flow:static_qr @seed:2.1.1 @seed:3.2 @needs:bank
Feature: Static UPI QR: a bank credit remotely starts the EVSE the sticker names
  A charger carries a fixed UPI QR sticker: the CPO's merchant VPA and a reference (tr) that
  names the EVSE, e.g. upi://pay?pa=cpo123@hdfcbank&pn=CPO-Name&tr=EVSE1234-1&am=200&cu=INR.
  The driver pays from any UPI app; the credit reaches the CPO's bank, the bank notifies the
  CSMS, and the CSMS remotely starts the EVSE that the reference names (RemoteStartTransaction
  in 1.6, RequestStartTransaction in 2.x). A static QR payment cannot be refunded.

  Background:
    Given a charger with 2 EVSEs connected to the CSMS and booted

  @uc:F02 @tc:TC_011_1
  Scenario: A 200 INR credit on the EVSE's reference remotely starts that EVSE
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the CSMS accepts the notification
    And the CSMS remotely starts EVSE 1 within the remote-start deadline
    And the charger's transaction on EVSE 1 begins

  @uc:F02
  Scenario: A credit on EVSE 2's reference starts EVSE 2, not the charger's first EVSE
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 2
    Then the CSMS remotely starts EVSE 2 within the remote-start deadline
    And the charger's transaction on EVSE 2 begins

  Scenario: A credit on a reference that names no EVSE starts nothing
    When the bank notifies the CSMS of a 200.00 INR credit on the reference "NO-SUCH-CHARGER-9"
    Then no remote start arrives within the quiet window
    And a genuine credit on EVSE 1 afterwards starts EVSE 1 (control)

  Scenario: A credit on a reference naming an EVSE the charger does not have starts nothing
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 7
    Then no remote start arrives within the quiet window
    And a genuine credit on EVSE 1 afterwards starts EVSE 1 (control)

  @security
  Scenario: A credit made longer ago than the freshness window starts nothing
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1 made twice the freshness window ago
    Then no remote start arrives within the quiet window
    And a genuine credit on EVSE 1 afterwards starts EVSE 1 (control)

  @security
  Scenario: A credit notification with a forged signature is refused and starts nothing
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1 with a forged signature
    Then the CSMS refuses the notification with a 4xx status
    And no remote start arrives within the quiet window
    And a genuine credit on EVSE 1 afterwards starts EVSE 1 (control)

  @security
  Scenario: A credit notification without a signature is refused and starts nothing
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1 with a missing signature
    Then the CSMS refuses the notification with a 4xx status
    And no remote start arrives within the quiet window
    And a genuine credit on EVSE 1 afterwards starts EVSE 1 (control)

  Scenario: The same credit notification delivered twice starts exactly one transaction
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    And the bank delivers the same notification again
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline
    And exactly one remote start arrives within the quiet window
    And the charger's transaction on EVSE 1 begins

  @needs:static_qr_link
  Scenario: The static QR configured for the EVSE is a valid UPI link like the seed's example
    When the harness reads the static QR link configured for EVSE 1
    Then it is a valid UPI payment link
    And its payee is the merchant VPA and its reference names EVSE 1
    And its currency is INR

  @needs:static_qr_image
  Scenario: The sticker image a driver scans holds the EVSE's valid UPI link
    When the driver's phone scans the static QR sticker image of EVSE 2
    Then it is a valid UPI payment link
    And its payee is the merchant VPA and its reference names EVSE 2
    And its currency is INR
