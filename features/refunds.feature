@flow:refunds @seed:2.1.2 @seed:3.3 @needs:psp @needs:tariff
Feature: Refunds of unused prepaid money through the PSP
  With the webpage-redirect flow the CSMS can refund through the PSP's API (seed 2.1.2): the
  unused part of the prepaid amount once the session ends, or everything when charging never
  began. A refund is made exactly once, to the paisa. A static-QR payment cannot be refunded.
  Cost = energy (kWh) x price per kWh x (1 + tax), rounded half-up to the paisa.

  Background:
    Given a charger with 1 EVSE connected to the CSMS and booted

  @needs:pay_page
  Scenario: The unused amount is refunded exactly once, to the paisa
    Given the driver will stop charging after 5000 Wh
    When the driver pays 200.00 INR for EVSE 1 through the pay page
    Then the charger's transaction on EVSE 1 begins
    And the transaction on EVSE 1 ends
    And the CSMS refunds the prepaid amount minus the cost, exactly once

  @needs:pay_page
  Scenario: The station rejects the start: the full amount is refunded
    Given the charger rejects remote starts
    When the driver pays 200.00 INR for EVSE 1 through the pay page
    Then the CSMS refunds the full 200.00 INR, exactly once

  @needs:pay_page
  Scenario: No transaction begins within the deadline: the full amount is refunded
    Given the charger accepts remote starts but never begins charging
    When the driver pays 200.00 INR for EVSE 1 through the pay page
    Then the CSMS refunds the full 200.00 INR, exactly once

  @resilience @needs:pay_page
  Scenario: The PSP's refund API fails twice: the CSMS retries and one refund results
    Given the PSP's refund API answers HTTP 500 to the next 2 calls
    And the driver will stop charging after 5000 Wh
    When the driver pays 200.00 INR for EVSE 1 through the pay page
    Then the charger's transaction on EVSE 1 begins
    And the transaction on EVSE 1 ends
    And the CSMS refunds the prepaid amount minus the cost, exactly once
    And every refund attempt carried the same idempotency key

  @resilience @needs:pay_page
  Scenario: Every webhook delivered twice: one start and one refund
    Given the PSP delivers every webhook twice
    And the driver will stop charging after 5000 Wh
    When the driver pays 200.00 INR for EVSE 1 through the pay page
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline
    And exactly one remote start arrives within the quiet window
    And the transaction on EVSE 1 ends
    And the CSMS refunds the prepaid amount minus the cost, exactly once

  @seed:2.1.1 @needs:bank
  Scenario: A static-QR payment is never refunded
    Given the driver will stop charging after 5000 Wh
    When the bank notifies the CSMS of a 200.00 INR credit on the reference of EVSE 1
    Then the charger's transaction on EVSE 1 begins
    And the transaction on EVSE 1 ends
    And the CSMS makes no refund call to the PSP within the quiet window
