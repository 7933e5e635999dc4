"""Fleet mode: many paying chargers against one CSMS, with the suite's rules checked under load.

``fleet`` runs N mock chargers in one asyncio process (``ocpp-upi fleet``); ``locust`` wraps the
same charger and payment journey in a Locust ``User`` for runs beyond one machine. Both report
the rules a CSMS broke under load (one start per payment, the prepaid limit, one refund to the
paisa, schema violations) with the charger and payment named, and the latencies of the flows.
"""
