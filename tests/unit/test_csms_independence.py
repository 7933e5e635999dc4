"""The reference CSMS shares no judging code with the harness (issue: the target must not judge
itself with the judge's code, or one bug passes unseen on both sides).

Its modules may import only themselves, the declared contracts and three modules that hold
constants or formulas of the specifications, never the harness's bank, UPI, charger, driver,
PSP or OCPP-validation code. Checked twice: each import statement in its source, and every
module that importing it loads (so an indirect import through an allowed module is caught too).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ocpp_upi.csms

CSMS_DIR = Path(ocpp_upi.csms.__file__).parent
ALLOWED = (
    "ocpp_upi.csms",  # itself
    "ocpp_upi.contracts",  # what both sides must compute alike (the webhook HMAC)
    "ocpp_upi.limits",  # the prepaid-limit formula and vendor-extension ids: a contract
    "ocpp_upi.ocpp.versions",  # the OCPP versions and their subprotocol names
    "ocpp_upi.tls",  # the A00.FR.318 cipher suites and TLS 1.2 floor
)
PACKAGES = ("ocpp_upi", "ocpp_upi.ocpp")  # package __init__s Python loads on the way


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


def _harness_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [n for n in names if n.startswith("ocpp_upi") and not _allowed(n)]
    return found


def test_no_module_of_the_reference_csms_imports_the_harness() -> None:
    offenders = {
        str(path.relative_to(CSMS_DIR)): imports
        for path in sorted(CSMS_DIR.rglob("*.py"))
        if (imports := _harness_imports(path))
    }
    assert not offenders, f"the reference CSMS imports harness code: {offenders}"


def test_importing_the_reference_csms_loads_no_harness_module() -> None:
    probe = (
        "import sys, ocpp_upi.csms, ocpp_upi.csms.server\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('ocpp_upi')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "ocpp_upi.csms.static_qr" in loaded  # the probe saw the CSMS itself
    foreign = [m for m in loaded if not _allowed(m) and m not in PACKAGES]
    assert not foreign, f"importing the reference CSMS loads harness modules: {foreign}"


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from ocpp_upi.bank.signing import verify\nimport ocpp_upi.upi.totp\n"
        "from ocpp_upi.csms.ledger import Ledger\nfrom ocpp_upi.contracts import x\n"
    )
    assert _harness_imports(module) == ["ocpp_upi.bank.signing", "ocpp_upi.upi.totp"]
