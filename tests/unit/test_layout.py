"""The package reads top-down: no import runs back up a floor, and no two modules import each other.

Floors, from the ground up: the shared ground (errors, settings, the endpoint
table), ``http``, ``plan``, ``report``, ``send``, the ``connection``, ``signin``,
and at the top the command line, the training checks and the package's own
``__init__``. The sandbox stands beside them, on the ground floor's table only.
Imports inside functions count too: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import attentive_nb

PACKAGE = Path(attentive_nb.__file__).parent
FLOORS = {
    "attentive_nb.__about__": 0,
    "attentive_nb.errors": 0,
    "attentive_nb.redact": 0,
    "attentive_nb.controls": 0,
    "attentive_nb.urls": 0,
    "attentive_nb.endpoints": 0,
    "attentive_nb.config": 0,
    "attentive_nb.http": 1,
    "attentive_nb.sandbox": 1,
    "attentive_nb.plan": 2,
    "attentive_nb.report": 3,
    "attentive_nb.send": 4,
    "attentive_nb.connection": 5,
    "attentive_nb.signin": 6,
    "attentive_nb.training": 7,
    "attentive_nb.cli": 7,
    "attentive_nb.fleet": 7,
    "attentive_nb": 8,  # the package's __init__: the public surface, on top of everything
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(module: str) -> int:
    for prefix in sorted(FLOORS, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            return FLOORS[prefix]
    raise AssertionError(f"{module} is on no floor: add it to FLOORS")


def imports(path: Path) -> set[str]:
    """The attentive_nb modules ``path`` imports, anywhere in it (``from x import mod`` too)."""
    known = {module_name(p) for p in PACKAGE.rglob("*.py")}
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in known else node.module)
    return {name for name in found if name.split(".")[0] == "attentive_nb"}


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) - {module_name(p)} for p in PACKAGE.rglob("*.py")}


def test_every_package_says_what_it_owns():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc) > 60, f"{init.relative_to(PACKAGE)} needs a docstring"


def test_no_import_runs_back_up_a_floor():
    upward = [
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in targets
        if floor(target) > floor(module)
    ]
    assert upward == []


def test_no_two_modules_import_each_other_even_by_way_of_others():
    edges = graph()
    cycles = []

    def visit(module: str, trail: list[str]) -> None:
        for target in sorted(edges.get(module, ())):
            if target in trail:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target in edges and target not in done:
                visit(target, [*trail, target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(edges):
        if module not in done and module != "attentive_nb":
            visit(module, [module])
    assert cycles == []
