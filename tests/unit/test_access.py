"""The server's modules form layers: access.py at the bottom (tables, errors, auth only), services above it,
GraphQL and HTTP on top. A static import graph (every import, at the top of a module or inside a function)
has no cycle among the non-GraphQL modules, and no service module imports inside a function to dodge one."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import runbase_server

ROOT = Path(runbase_server.__file__).parent
PACKAGE = "runbase_server"
ALLOWED_LAZY = {f"{PACKAGE}.cli"}  # the command line imports the server only for the commands that need it


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] == "migrations":
            continue
        name = ".".join((PACKAGE, *parts[:-1])) if parts[-1] == "__init__" else ".".join((PACKAGE, *parts))
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """The package's modules `name` imports, and those it imports inside functions."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    edges: set[str] = set()
    lazy: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            targets = [module] if module in modules else []
            targets += [f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in modules]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names if alias.name in modules]
        targets = [target for target in targets if target != PACKAGE]
        edges.update(targets)
        if targets and id(node) not in top_level and not _type_checking_only(tree, node):
            lazy.update(targets)
    return edges, lazy


def _type_checking_only(tree: ast.Module, node: ast.AST) -> bool:
    return any(isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING" and node in ast.walk(block)
               for block in tree.body)


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = _modules()
    graph, lazy = {}, {}
    for name, path in modules.items():
        graph[name], lazy[name] = _imports(name, path, modules)
    return graph, lazy


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == 1:
                return [*path[path.index(successor):], successor]
            if successor not in state and (found := visit(successor)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def _services(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {name: {target for target in targets if not target.startswith(f"{PACKAGE}.graphql")}
            for name, targets in graph.items() if not name.startswith(f"{PACKAGE}.graphql")}


def test_every_module_imports_on_its_own() -> None:
    for name in sorted(_modules()):
        importlib.import_module(name)


def test_no_import_cycle_among_the_services() -> None:
    graph, _ = _graph()
    assert _cycle(_services(graph)) is None, " -> ".join(_cycle(_services(graph)) or [])


def test_no_service_imports_inside_a_function() -> None:
    _, lazy = _graph()
    dodging = {name: sorted(targets) for name, targets in lazy.items()
               if targets and name not in ALLOWED_LAZY and not name.startswith(f"{PACKAGE}.graphql")}
    assert dodging == {}


def test_access_imports_no_service() -> None:
    graph, _ = _graph()
    assert graph[f"{PACKAGE}.access"] <= {f"{PACKAGE}.{name}" for name in ("tables", "errors", "auth", "names")}


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
