"""The integration's modules import one another without a cycle, type-only imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import custom_components.lockbooking as integration

ROOT = Path(integration.__file__).parent
PACKAGE = integration.__name__


def _module_name(root: Path, path: Path) -> str:
    parts = [
        part
        for part in path.relative_to(root).with_suffix("").parts
        if part != "__init__"
    ]
    return ".".join([PACKAGE, *parts])


def _imports(root: Path, path: Path, modules: set[str]) -> set[str]:
    """The integration's modules a file imports (anywhere in it, TYPE_CHECKING too)."""
    name = _module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return {module for module in found if module in modules and module != name}


def import_cycles(root: Path = ROOT) -> list[list[str]]:
    """Each group of modules that import one another, directly or not (Tarjan)."""
    paths = {_module_name(root, path): path for path in root.rglob("*.py")}
    graph = {name: _imports(root, path, set(paths)) for name, path in paths.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycle() -> None:
    assert import_cycles() == []


def test_the_check_finds_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "a.py").write_text("from . import b\n")
    (tmp_path / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import x\n"
    )
    (tmp_path / "c.py").write_text("from .a import b\n")
    assert import_cycles(tmp_path) == [[f"{PACKAGE}.a", f"{PACKAGE}.b"]]
