@flow:dynamic_qr_totp @seed:3.1 @uc:C25 @needs:psp @needs:pay_page
Feature: Dynamic QR with a time-based one-time password (OCPP 2.1 C25)
  To stop a fake QR pasted over the operator's sticker, the station shows a QR whose URL carries
  a time-based one-time password (seed 3.1, OCPP 2.1 use case C25, TOTP algorithm v1). The CSMS
  configures the station's WebPaymentsCtrlr, and its pay page opens only for a TOTP of the
  current, previous or next interval computed for that very station and EVSE. OCPP 2.1 does
  this natively; 1.6 and 2.0.1 through the white paper's backport (configuration keys and
  DataTransfer).

  Background:
    Given a charger with 1 EVSE connected to the CSMS and booted
    And the CSMS has configured web payments on EVSE 1

  @tc:C25.FR.01
  Scenario: The station's WebPaymentsCtrlr is configured with valid values
    Then the web payment settings of EVSE 1 are valid

  @tc:TC_C_131
  Scenario: A current TOTP opens the pay page
    When the driver scans the dynamic QR of EVSE 1 shown now
    Then the CSMS opens the pay page for EVSE 1

  @tc:C25.FR.07
  Scenario: A TOTP one interval old still opens the pay page
    When the driver scans the dynamic QR of EVSE 1 shown 1 interval ago
    Then the CSMS opens the pay page for EVSE 1

  @tc:C25.FR.07
  Scenario: A TOTP of the next interval (a station clock running fast) still opens the pay page
    When the driver scans the dynamic QR of EVSE 1 shown by a station clock 1 interval ahead
    Then the CSMS opens the pay page for EVSE 1

  @tc:TC_C_133 @tc:C25.FR.08
  Scenario: A TOTP two intervals old is refused and nothing starts
    When the driver scans the dynamic QR of EVSE 1 shown 2 intervals ago
    Then the CSMS refuses the QR without a payment page
    And no remote start arrives within the quiet window
    And the current dynamic QR of EVSE 1 still opens the pay page (control)

  @security @needs:two_chargers
  Scenario: A TOTP computed for another station is refused
    Given a second charger connected to the CSMS and booted
    When the driver scans a QR of EVSE 1 carrying the second charger's TOTP
    Then the CSMS refuses the QR without a payment page
    And the current dynamic QR of EVSE 1 still opens the pay page (control)

  @security
  Scenario: A malformed TOTP is refused
    When the driver opens the QR URL of EVSE 1 with the TOTP "not-a-totp"
    Then the CSMS refuses the QR without a payment page
    And the current dynamic QR of EVSE 1 still opens the pay page (control)

  @security
  Scenario: A missing TOTP is refused
    When the driver opens the QR URL of EVSE 1 with the TOTP ""
    Then the CSMS refuses the QR without a payment page
    And the current dynamic QR of EVSE 1 still opens the pay page (control)
