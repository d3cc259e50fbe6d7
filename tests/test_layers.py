"""The layers keep to their order: bot/ -> adapters/ -> chat/ -> engine/, and no import loops.

Imports are read with `ast` from the source, so a rule holds whatever a test happens to import.
Every import counts, at module level or inside a function; only imports under `if TYPE_CHECKING:`
(never run) are left out, and those are listed here so a new one is a decision, not an accident.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("engine", "chat", "adapters", "bot")  # each may import only those before it
# (importer, imported) allowed under TYPE_CHECKING only: annotations that would loop if they ran
TYPE_ONLY = {
    ("bot.setup_discord", "adapters.discord.adapter"),
    ("chat.registry", "chat.core"),
    ("chat.registry", "chat.replies"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))}


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def _walk(node: ast.AST, type_only: bool) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        yield child, type_only
        yield from _walk(child, type_only or _type_checking_block(child))


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, bool]]:
    """(imported project module, under TYPE_CHECKING) for every import in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node, type_only in _walk(ast.parse(path.read_text(encoding="utf-8")), False):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import submodule` imports the submodule; `from mod import name` the module
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` for a name inside a module
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] in LAYERS:
                yield target, type_only


def graph(*, type_only: bool = False) -> dict[str, set[str]]:
    """Who imports whom among the project's modules: the imports that run, or (`type_only`)
    those under TYPE_CHECKING."""
    modules = project_modules()
    known = set(modules)
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, only_typing in imports_of(name, path, known):
            if only_typing == type_only and target != name:
                edges[name].add(target)
    return edges


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_imports_one_above_it(layer: str) -> None:
    above = set(LAYERS[LAYERS.index(layer) + 1 :])
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        if module.split(".")[0] == layer
        for target in targets
        if target.split(".")[0] in above
    )
    assert wrong == []


def test_type_only_imports_are_the_listed_ones() -> None:
    listed = {(m, t) for m, targets in graph(type_only=True).items() for t in targets}
    assert listed == TYPE_ONLY


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_loops() -> None:
    assert cycles(graph()) == []


def test_the_checker_sees_a_loop_and_real_imports() -> None:
    """The rules above would pass by reading nothing: show they see what they are for."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    edges = graph()
    assert "engine.models" in edges["chat.text"]
    assert "chat.replies" in edges["adapters.base"]
    assert "chat.features.signals" in edges["chat"]  # `from chat.features import signals`
