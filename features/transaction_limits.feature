@flow:transaction_limits @seed:3.3 @uc:E16 @uc:F07 @needs:bank @needs:tariff
Feature: Prepaid limits: a session never costs more than was paid
  The CSMS turns the prepaid amount into an energy limit in Wh that keeps the cost at or under
  the amount: floor(amount / (1 + tax) / price per kWh x 1000). OCPP 2.1 sends it as
  transactionLimit.maxEnergy in the response to the Started event; 2.0.1 the same object inside
  customData (vendorId ocpp-upi.prepaid); 1.6 a DataTransfer (vendorId ocpp-upi.prepaid,
  messageId TransactionLimit). For a station that cannot enforce a limit the CSMS meters the
  session and stops it remotely (seed 3.3).

  Background:
    Given a charger with 1 EVSE connected to the CSMS and booted

  @tc:TC_E_110
  Scenario: The limit is the energy the prepaid amount buys, in Wh, after tax
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the charger's transaction on EVSE 1 begins
    And the CSMS sets the energy limit that 200.00 INR buys, in Wh

  @tc:TC_E_110
  Scenario: The station stops at the limit with EnergyLimitReached
    Given the charger enforces transaction limits
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the transaction on EVSE 1 ends
    And the charger stopped the transaction at its energy limit
    And the energy delivered does not exceed the limit that 200.00 INR buys

  Scenario: A station without limit support is stopped by the CSMS's metering
    Given the charger does not enforce transaction limits
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the CSMS stops the transaction on EVSE 1 remotely
    And the overshoot past the limit that 200.00 INR buys stays within one meter interval

  Scenario: The CSMS's metering still stops a station without limit support after a reconnect
    Given the charger does not enforce transaction limits
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the charger's transaction on EVSE 1 begins
    When the charger drops its WebSocket and reconnects without rebooting
    Then the CSMS stops the transaction on EVSE 1 remotely
    And the overshoot past the limit that 200.00 INR buys stays within one meter interval

  @ocpp2.1 @tc:TC_E_109
  Scenario: A station that computes cost also gets maxCost
    Given the charger computes the cost of a session
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the charger's transaction on EVSE 1 begins
    And the CSMS sets a cost limit of 200.00 INR
