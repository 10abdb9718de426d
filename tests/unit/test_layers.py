"""The dependency rule of DESIGN §1, checked by walking every import of the product."""

from __future__ import annotations

import ast
import functools
import itertools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SDKS = {
    "discord",
    "slack_bolt",
    "slack_sdk",
    "spotipy",
    "aiohttp",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "asyncpg",
    "aiosqlite",
    "yarl",
    "requests",
    "apscheduler",
}
PRODUCT = ("bridge", "storage", "adapters")


def imports_of(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".", 1)[0]


def test_packages_exist() -> None:
    for package in (*PRODUCT, "emulators"):
        assert (ROOT / package / "__init__.py").exists()


def test_bridge_imports_no_sdk_and_no_upper_floor() -> None:
    forbidden = SDKS | {"adapters", "storage", "emulators"}
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules("bridge")
        for name, line in imports_of(path)
        if top(name) in forbidden
    ]
    assert bad == []


def test_storage_imports_only_bridge_and_the_database_libraries() -> None:
    forbidden = {
        "adapters",
        "emulators",
        "discord",
        "slack_bolt",
        "slack_sdk",
        "spotipy",
        "aiohttp",
    }
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules("storage")
        for name, line in imports_of(path)
        if top(name) in forbidden
    ]
    assert bad == []


def test_only_the_cli_emulate_and_demo_reach_the_emulators() -> None:
    allowed = {ROOT / "adapters" / "cli.py", ROOT / "adapters" / "demo.py"}
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for package in PRODUCT
        for path in modules(package)
        for name, line in imports_of(path)
        if top(name) == "emulators" and path not in allowed
    ]
    assert bad == []


def test_emulators_import_nothing_of_the_product() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules("emulators")
        for name, line in imports_of(path)
        if top(name) in PRODUCT
    ]
    assert bad == []


# --- no import circle anywhere (issue #14) -------------------------------------------------------
# Every import counts: module level, inside functions and under `if TYPE_CHECKING:` alike, because
# an import moved into a function to dodge a circle still ties the two modules together.

CIRCLE_PACKAGES = ("bridge", "storage", "adapters", "emulators")
Edges = dict[str, dict[str, list[str]]]  # importer -> imported -> ["line 12: name, other", ...]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def product_modules() -> dict[str, Path]:
    return {module_name(path): path for package in CIRCLE_PACKAGES for path in modules(package)}


def absolute_base(node: ast.ImportFrom, importer: str, path: Path) -> str:
    if node.level == 0:
        return node.module or ""
    package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def known_prefix(name: str, known: set[str]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def targets_of(node: ast.AST, importer: str, path: Path, known: set[str]) -> list[tuple[str, str]]:
    """(imported module, the names it gives) for one import statement."""
    if isinstance(node, ast.Import):
        found = [(known_prefix(alias.name, known), alias.name) for alias in node.names]
        return [(module, name) for module, name in found if module]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = absolute_base(node, importer, path)
    found = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        found.append(
            (submodule, alias.name)
            if submodule in known
            else (known_prefix(base, known), alias.name)
        )
    return [(module, name) for module, name in found if module]


def import_graph() -> Edges:
    known = product_modules()
    graph: Edges = {name: {} for name in known}
    for importer, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            by_target: dict[str, list[str]] = {}
            for target, name in targets_of(node, importer, path, set(known)):
                by_target.setdefault(target, []).append(name)
            for target, names in by_target.items():
                line = getattr(node, "lineno", 0)
                graph[importer].setdefault(target, []).append(f"line {line}: {', '.join(names)}")
    return graph


def reachable(graph: Edges, start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for child in graph[todo.pop()]:
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def circles_in(graph: Edges) -> list[list[str]]:
    """The strongly connected components that are circles: modules that reach each other
    (a module that reaches itself alone imports itself)."""
    reach = {module: reachable(graph, module) for module in graph}
    found = {
        tuple(sorted(other for other in reach[module] if module in reach[other]))
        for module in graph
        if module in reach[module]
    }
    return sorted(list(component) for component in found)


def shortest_loop(graph: Edges, component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    start, members = component[0], set(component)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if child in members and child not in parents:
                    parents[child] = node
                    following.append(child)
        frontier = following
    return [start, start]


def file_of(module: str) -> str:
    return str(product_modules()[module].relative_to(ROOT))


def describe_circle(graph: Edges, component: list[str]) -> str:
    loop = shortest_loop(graph, component)
    steps = [file_of(loop[0])]
    for importer, imported in itertools.pairwise(loop):
        steps.append(f"-> {file_of(imported)} ({'; '.join(graph[importer][imported])})")
    members = set(component)
    ties = [
        f"    {file_of(importer)} imports {file_of(imported)}: {'; '.join(lines)}"
        for importer in component
        for imported, lines in sorted(graph[importer].items())
        if imported in members
    ]
    return "\n".join([f"a circle: {' '.join(steps)}", "  every import that ties it:", *ties])


def test_no_import_circle_anywhere() -> None:
    graph = import_graph()
    circles = circles_in(graph)
    report = "\n\n".join(describe_circle(graph, component) for component in circles)
    assert not circles, (
        f"{len(circles)} import circle(s) (function-level and TYPE_CHECKING imports count too):\n\n"
        f"{report}\n\nTo remove one, move the part both sides need (a helper, an error type, a "
        "shared name) to a leaf module that imports neither, or compose the two parts in a third "
        "module that imports both; moving the import into a function does not remove the circle."
    )
