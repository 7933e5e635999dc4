"""The conformance suite: every scenario of every feature file, once per OCPP version.

``ocpp-upi run`` (``make conformance``) selects this module; ``make test`` does not.
"""

from pytest_bdd import scenarios

from ocpp_upi.paths import FEATURES_DIR

scenarios(str(FEATURES_DIR))
