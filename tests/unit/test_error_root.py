"""One root for the harness's own errors (ocpp_upi.errors.OcppUpiError).

Every exception class the harness defines on a built-in exception also names the root, so
``ocpp-upi`` can say any of them in one line and let everything else (a bug) keep its traceback.
Two families stand apart on purpose: verdicts (``ConformanceFailure``: the CSMS broke a rule) and
the reference CSMS's own errors (it shares no code with the harness). Read from the source: a
class deriving from another harness error inherits the root.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import ocpp_upi

PACKAGE = Path(ocpp_upi.__file__).parent
APART = {"ConformanceFailure", "OcppUpiError"}  # the verdict; the root itself
BUILTIN_ERRORS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _strays(tree: ast.Module, where: str) -> list[str]:
    strays = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef) or node.name in APART:
            continue
        bases = {getattr(b, "id", None) or getattr(b, "attr", "") for b in node.bases}
        if bases & BUILTIN_ERRORS and "OcppUpiError" not in bases:
            strays.append(f"{where}: {node.name}({', '.join(sorted(bases))})")
    return strays


def test_every_harness_error_derives_from_the_root() -> None:
    strays, seen = [], 0
    for path in sorted(PACKAGE.rglob("*.py")):
        if "csms" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        seen += sum(isinstance(n, ast.ClassDef) for n in ast.walk(tree))
        strays += _strays(tree, str(path.relative_to(PACKAGE)))
    assert seen > 50  # the walk read the harness
    assert not strays, f"errors outside ocpp_upi.errors.OcppUpiError: {strays}"


def test_the_check_sees_a_stray_error() -> None:
    source = (
        "class A(ValueError): pass\nclass B(OcppUpiError, ValueError): pass\n"
        "class C(B): pass\nclass D(errors.OcppUpiError): pass\nclass E(Exception): pass\n"
    )
    assert _strays(ast.parse(source), "m.py") == ["m.py: A(ValueError)", "m.py: E(Exception)"]
