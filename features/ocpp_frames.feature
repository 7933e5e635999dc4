@flow:ocpp_frames @seed:3.2
Feature: OCPP-J frames: the CSMS speaks the protocol correctly on the wire
  Every frame the CSMS sends is checked for OCPP-J framing and against the official OCA JSON
  schemas in every scenario; these scenarios exercise the protocol itself and need no payment
  (the OCPP core group): the boot and its clock, a heartbeat, a session a driver starts with a
  local card, a remote start and stop the operator asks for (through the profile's hooks), an
  action the version does not define, the security profile 1 handshake; and a
  charger that loses its connection in the middle of a transaction (a local-card one, and a
  paid one whose limit must survive). Every Background also
  proves the CSMS answers a StatusNotification for each EVSE.

  @uc:B01
  Scenario: The CSMS accepts the boot with a heartbeat interval and its current time
    Given a charger with 2 EVSEs connected to the CSMS and booted
    Then the CSMS accepted the boot with a heartbeat interval and its current time

  @uc:G02
  Scenario: The CSMS answers a Heartbeat with its current time
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the charger sends a Heartbeat
    Then the CSMS answered the Heartbeat with its current time

  @uc:C01 @uc:E03 @needs:local_id_tag
  Scenario: The CSMS's frames conform to OCPP
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the charger sends a Heartbeat
    And a driver presents the local id tag at EVSE 1 and charges 1000 Wh
    Then the CSMS accepted the local session on EVSE 1 with its meter values and its stop
    And every frame the CSMS sent conforms to the OCPP schemas

  @uc:F01 @uc:F03 @needs:remote_start_hook @needs:remote_stop_hook
  Scenario: The CSMS carries out its operator's remote start and remote stop
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the operator asks the CSMS to remotely start EVSE 1
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline
    And the charger's transaction on EVSE 1 begins
    When the operator asks the CSMS to remotely stop the transaction on EVSE 1
    Then the CSMS remotely stops the transaction on EVSE 1 and it ends
    And every frame the CSMS sent conforms to the OCPP schemas

  @uc:B01 @tc:TC_B_58_CSMS
  Scenario: The CSMS chooses the OCPP version it speaks from the charger's offer
    When a charger offers the subprotocols "ocpp1.2" and its own version
    Then the CSMS chooses the charger's own version

  @uc:B01
  Scenario: The CSMS closes a connection that offers no OCPP version it speaks
    When a charger offers only the subprotocol "ocpp1.2"
    Then the CSMS completes the handshake without a subprotocol and closes the connection

  @uc:B01
  Scenario: The CSMS closes a connection that offers no subprotocol at all
    When a charger offers no subprotocol
    Then the CSMS completes the handshake without a subprotocol and closes the connection

  Scenario: The CSMS answers an unknown action with a CALLERROR
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the charger sends a CALL with the action "UpiPaymentReceived" that the version does not define
    Then the CSMS answers it with a CALLERROR NotImplemented

  @security @uc:A00 @needs:basic_auth
  Scenario: The CSMS rejects a wrong Basic-auth password (security profile 1)
    When the charger connects with a wrong Basic-auth password
    Then the CSMS refuses the WebSocket handshake with HTTP 401 or 403

  @security @uc:A00 @needs:station_certificate
  Scenario: The CSMS refuses a station certificate from a CA it does not trust (security profile 3)
    When the charger connects with a certificate from a CA the CSMS does not trust
    Then the CSMS refuses the TLS connection

  @security @uc:A00 @needs:expired_station_certificate
  Scenario: The CSMS refuses an expired station certificate (security profile 3)
    When the charger connects with an expired certificate from the CA the CSMS trusts
    Then the CSMS refuses the TLS connection

  @security @uc:A00 @needs:tls
  Scenario: The CSMS opens no WebSocket without TLS (security profiles 2 and 3)
    When the charger offers the same connection over plain ws://
    Then the CSMS opens no WebSocket without TLS

  @uc:E03 @needs:local_id_tag
  Scenario: The CSMS keeps a local-card transaction across a charger reconnect
    Given a charger with 1 EVSE connected to the CSMS and booted
    When a driver presents the local id tag at EVSE 1 and starts charging
    Then the local transaction on EVSE 1 begins
    When the charger drops its WebSocket and reconnects without rebooting
    Then the CSMS answers the transaction's meter values after the reconnect
    When the driver stops charging at EVSE 1
    Then the CSMS ends the transaction on EVSE 1 as a transaction it knows
    And every frame the CSMS sent conforms to the OCPP schemas

  @needs:bank @needs:tariff
  Scenario: The CSMS keeps a transaction and its limit across a charger reconnect
    Given a charger with 1 EVSE connected to the CSMS and booted
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the charger's transaction on EVSE 1 begins
    When the charger drops its WebSocket and reconnects without rebooting
    Then the CSMS answers the transaction's meter values after the reconnect
    And the CSMS ends the transaction on EVSE 1 as a transaction it knows
