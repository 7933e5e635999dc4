"""The mock driver: a person with a phone who scans a QR, opens the pay page and pays."""
