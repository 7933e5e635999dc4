@flow:ocpp_frames @seed:3.2
Feature: OCPP-J frames: the CSMS speaks the protocol correctly on the wire
  Every frame the CSMS sends is checked for OCPP-J framing and against the official OCA JSON
  schemas in every scenario; these scenarios exercise the protocol itself: a paid session end
  to end, an action the version does not define, the security profile 1 handshake, and a
  charger that loses its connection in the middle of a paid transaction.

  @uc:B01
  Scenario: The CSMS's frames conform to OCPP
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the charger sends a Heartbeat
    And the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the charger's transaction on EVSE 1 begins
    And every frame the CSMS sent conforms to the OCPP schemas

  Scenario: The CSMS answers an unknown action with a CALLERROR
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the charger sends a CALL with the action "UpiPaymentReceived" that the version does not define
    Then the CSMS answers it with a CALLERROR NotImplemented

  @security @uc:A00 @needs:basic_auth
  Scenario: The CSMS rejects a wrong Basic-auth password (security profile 1)
    When the charger connects with a wrong Basic-auth password
    Then the CSMS refuses the WebSocket handshake with HTTP 401 or 403

  Scenario: The CSMS keeps a transaction and its limit across a charger reconnect
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the charger's transaction on EVSE 1 begins
    When the charger drops its WebSocket and reconnects without rebooting
    Then the CSMS answers the transaction's meter values after the reconnect
    And the CSMS ends the transaction on EVSE 1 as a transaction it knows
