"""The dependency rule of DESIGN §1, checked by walking every import of the product."""

from __future__ import annotations

import ast
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
