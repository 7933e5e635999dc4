"""No step function calls another step function.

A step that calls a step ties the two sentences together (changing one changes the other's
meaning) and made plugin load order matter; both call a plain function of the step library
instead. Checked on the source, so a new call fails here, not in a confusing scenario run.
"""

from __future__ import annotations

import ast

from ocpp_upi.paths import PROJECT_ROOT

STEP_DECORATORS = {"given", "when", "then", "step"}


def _step_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = getattr(target, "id", None) or getattr(target, "attr", "")
                if name in STEP_DECORATORS:
                    names.add(node.name)
    return names


def _calls_of_steps(trees: dict[str, ast.Module]) -> list[str]:
    steps = set().union(*(_step_names(tree) for tree in trees.values()))
    found = []
    for path, tree in trees.items():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name in steps and name != function.name:
                        found.append(f"{path}:{node.lineno} {function.name} calls step {name}")
    return found


def test_no_step_function_calls_a_step_function() -> None:
    trees = {
        path.name: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted((PROJECT_ROOT / "steps").glob("*.py"))
    }
    assert len(set().union(*(_step_names(t) for t in trees.values()))) > 50  # it saw the steps
    assert not _calls_of_steps(trees), _calls_of_steps(trees)


def test_the_check_sees_a_step_calling_a_step() -> None:
    source = (
        "@when('a')\ndef first(world): pass\n"
        "@then(parsers.parse('b'))\ndef second(world):\n    first(world)\n"
        "def helper(world):\n    first(world)\n"
    )
    assert _calls_of_steps({"m.py": ast.parse(source)}) == [
        "m.py:5 second calls step first",
        "m.py:7 helper calls step first",
    ]


def test_pytest_bdd_internals_are_reached_from_one_module_only() -> None:
    """pytest-bdd's public API is ``pytest_bdd`` itself (given/when/then/parsers/scenarios);
    its internals may change in any release, so one module wraps what the suite needs of them."""
    users = set()
    for folder in ("steps", "fixtures", "ocpp_upi"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                if any(n.startswith("pytest_bdd.") for n in names):
                    users.add(path.relative_to(PROJECT_ROOT).as_posix())
    assert users == {"fixtures/scenario_meta.py"}, users
