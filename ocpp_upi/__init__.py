"""ocpp-upi-conformance: certifies a CSMS on prepaid UPI mobile-payment charging over OCPP."""

__version__ = "0.1.0"
