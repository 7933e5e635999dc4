"""pytest wiring of a checkout.

The conformance suite's pytest wiring is the plugin :mod:`ocpp_upi.suite.plugin`, which an
installed harness (``pip install -e .`` included, as ``make`` does) registers through its
``pytest11`` entry point. This file loads it in a checkout whose pytest runs with plugin
autoloading switched off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``), so the suite's options exist
either way; loading it twice would be an error, hence the check.
"""

import sys

if "ocpp_upi.suite.plugin" not in sys.modules:
    # Only then: pytest refuses ``pytest_plugins`` (even an empty one) in a conftest that is not
    # at the rootdir, which this one is not when a team's pytest run adds the suite.
    pytest_plugins = ["ocpp_upi.suite.plugin"]
