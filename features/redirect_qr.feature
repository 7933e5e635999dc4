@flow:redirect_qr @seed:2.1.2 @seed:3.1 @seed:3.2 @needs:psp @needs:pay_page
Feature: Webpage-redirect UPI QR: pay page, PSP webhook, then a remote start
  The QR's url opens the CPO's pay page for one charger. The page creates a payment at the PSP
  and hands a dynamic UPI link to the driver's app; the PSP confirms the payment by a signed
  webhook; only then does the CSMS remotely start the EVSE (seed 2.1.2). The browser's return
  to the page proves nothing: only the PSP's word counts.

  Background:
    Given a charger with 1 EVSE connected to the CSMS and booted

  @uc:F02
  Scenario: A paid order remotely starts the EVSE
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "success@razorpay"
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline
    And the charger's transaction on EVSE 1 begins

  @ocpp2.1 @uc:C25 @tc:TC_C_131
  Scenario: On OCPP 2.1 the paid order's remote start names the payment as a DirectPayment idToken
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "success@razorpay"
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline
    And the remote start's idToken is the PSP's payment reference of type DirectPayment

  @uc:F07 @uc:E16 @needs:tariff
  Scenario: A paid order starts with the prepaid energy limit in Wh
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "success@razorpay"
    Then the charger's transaction on EVSE 1 begins
    And the CSMS limits the transaction to the energy the prepaid amount buys

  Scenario: A failed payment starts nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "failure@razorpay"
    Then no remote start arrives within the quiet window

  @security
  Scenario: An authorized payment starts nothing until the PSP captures it
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "delayedcapture@razorpay"
    Then no remote start arrives within the quiet window
    When the PSP captures the payment
    Then the CSMS remotely starts EVSE 1 within the remote-start deadline

  @security
  Scenario: An authorized payment whose capture fails starts nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "delayedcapture@razorpay"
    And the PSP's capture of the payment fails
    Then no remote start arrives within the quiet window

  Scenario: An abandoned payment starts nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver abandons the payment
    Then no remote start arrives within the quiet window

  @security @needs:return_url
  Scenario: The browser returns to the success page but no webhook came: nothing starts
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "pending@razorpay"
    And the driver's browser returns to the CSMS's success URL
    Then no remote start arrives within the quiet window

  @security
  Scenario: A payment whose amount differs from the order starts nothing
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    And the driver pays the UPI intent from "success@razorpay" with 1.00 INR instead
    Then no remote start arrives within the quiet window

  Scenario: The intent link on the pay page is a valid UPI link naming the order
    When the driver opens the pay page for EVSE 1 and chooses 200.00 INR
    Then the intent link is a valid dynamic UPI link for 200.00 INR
    And the intent link names the order the CSMS created at the PSP for 200.00 INR
