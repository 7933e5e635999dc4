"""The reports of a conformance run, all written from one list of scenario runs.

Each writer takes the same :class:`~ocpp_upi.reports.runs.ScenarioRun` records, so the console
table, JUnit, ``summary.json`` and Allure cannot disagree on a verdict or a total.
"""
