"""The import layers of the package (docs/architecture.md, "Layers"): each part imports only the parts
below it. Checked on the source, every import counted (module level, in functions and for type checkers),
so a dependency cannot sneak in through a lazy import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aifootprint

PACKAGE = Path(aifootprint.__file__).parent

#: The parts, bottom up; a part may import itself and the parts listed for it, nothing else.
CORE = frozenset({"errors", "_version", "_log", "_layout", "_interval", "_values", "_call", "_labels"})
ESTIMATION = frozenset({"_settings", "_state", "_estimator", "_api", "_batch", "_energy", "_format"})
ALLOWED: dict[str, frozenset[str]] = {
    **{m: CORE for m in CORE},
    "data": frozenset(),  # package data (a marker __init__.py)
    "engine": CORE,
    "catalog": CORE | {"engine"},
    **{m: CORE | ESTIMATION | {"engine", "catalog"} for m in ESTIMATION},
    "providers": CORE,
    "ledger": CORE | ESTIMATION | {"engine", "catalog"},
    "telemetry": CORE | {"ledger"},
    "instrumentation": CORE | ESTIMATION | {"engine", "catalog", "providers", "ledger"},
    "local": CORE | ESTIMATION | {"catalog", "ledger"},
    # front ends: the public package itself and what it offers
    "integrations": CORE | {"aifootprint", "local"},
    "cli": CORE | ESTIMATION | {"aifootprint", "engine", "catalog", "ledger", "local", "instrumentation"},
}
#: Imports for annotations only (under ``if TYPE_CHECKING:``) that a part may make beyond ALLOWED: the state
#: module holds the ledger and the instrumentation runtime but never imports them.
TYPE_ONLY: dict[str, frozenset[str]] = {"_state": frozenset({"ledger", "instrumentation"})}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "aifootprint"


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _imports(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Every aifootprint module (or the package itself) that the file at ``path`` imports (``runtime_only``:
    not counting imports for type checkers)."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("").parts
    module = ".".join(rel[:-1] if rel[-1] == "__init__" else rel)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree) if runtime_only else set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            if node.module is None:  # from .. import x: x is a submodule or a name of the package
                for a in node.names:
                    sub = f"{target}.{a.name}"
                    is_module = (PACKAGE.parent / Path(*sub.split("."))).with_suffix(".py").exists() or (
                        PACKAGE.parent / Path(*sub.split("."))
                    ).is_dir()
                    found.add(sub if is_module else target)
            else:
                found.add(target)
    return {m for m in found if m == "aifootprint" or m.startswith("aifootprint.")}


FILES = sorted(p for p in PACKAGE.rglob("*.py") if p.name not in ("__init__.py",) or p.parent != PACKAGE)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_the_layers_below_it(path: Path) -> None:
    rel = path.relative_to(PACKAGE)
    part = rel.parts[0].removesuffix(".py")
    if part == "__main__":
        return
    assert part in ALLOWED, f"{rel}: a new part of the package; give it its place in ALLOWED and the docs"
    allowed = ALLOWED[part] | {part}
    wrong = sorted(m for m in _imports(path) if _part(m) not in allowed | TYPE_ONLY.get(part, frozenset()))
    assert not wrong, f"{rel} ({part}) imports {wrong}: not allowed by the layers"
    wrong = sorted(m for m in _imports(path, runtime_only=True) if _part(m) not in allowed)
    assert not wrong, f"{rel} ({part}) imports {wrong} at run time: only for type checkers is allowed"


def test_the_layer_check_sees_lazy_and_relative_imports() -> None:
    """The checker itself: a function-level relative import of a higher layer is found."""
    assert "aifootprint._values" in _imports(PACKAGE / "engine" / "plan.py")  # from .._values import
    # imports inside functions count: the ledger asks for the catalogue lazily
    assert "aifootprint._api" in _imports(PACKAGE / "ledger" / "ledger.py")
    assert _part("aifootprint.ledger.hub") == "ledger" and _part("aifootprint") == "aifootprint"
    state = PACKAGE / "_state.py"
    assert "aifootprint.ledger.ledger" in _imports(state)
    assert "aifootprint.ledger.ledger" not in _imports(state, runtime_only=True)
