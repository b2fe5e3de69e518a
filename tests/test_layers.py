"""Imports point one way (docs/architecture.md): pure cores import no I/O and no upper layer,
the store knows nothing of the switch or the web, the API's layers stay in their order."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "helin"

ALLOWED: dict[str, set[str]] = {
    # package or module: helin packages and third-party modules it may import (stdlib always)
    "acd": {"helin.acd", "helin.deadlines", "sortedcontainers"},
    "sip": {"helin.sip", "helin.deadlines"},
    "media": {"helin.media", "helin.deadlines"},
    "records": {"helin.acd"},
    "directory": set(),
    "stats": {"helin.acd", "helin.stats"},
    # the recording manager's pure rules: dates, keep and release, keys, names, byte ranges
    "recordings/policy.py": set(),
    "recordings/ranges.py": set(),
    "switch": {
        "helin.acd",
        "helin.sip",
        "helin.media",
        "helin.records",
        "helin.directory",
        "helin.switch",
        "uvloop",
    },
}
NEVER: dict[str, set[str]] = {
    "store": {
        "helin.switch",
        "helin.sip",
        "helin.media",
        "helin.api",
        "helin.web",
        "helin.http",
        "helin.demo",
    },
    "api": {"helin.sip", "helin.media", "helin.switch", "helin.web", "helin.http"},
    "recordings": {
        "helin.switch",
        "helin.sip",
        "helin.media",
        "helin.api",
        "helin.web",
        "helin.http",
        "helin.app",
    },
    "api/services": {"fastapi", "starlette", "helin.api.routes", "helin.api.deps", "helin.api.app"},
    "api/schemas": {
        "fastapi",
        "starlette",
        "helin.api.services",
        "helin.api.routes",
        "helin.api.deps",
    },
    "api/routes": {"sqlalchemy", "helin.store"},
    "web": {"helin.sip", "helin.media", "helin.switch", "helin.api.routes", "helin.api.app"},
}
EXCEPT: dict[str, set[str]] = {
    "api/routes": {"helin.store.tables.enums"},
    # routes reach the store only through services, except for its value sets
}
IO_MODULES = {
    "os",
    "pathlib",
    "time",
    "socket",
    "select",
    "asyncio",
    "threading",
    "tempfile",
    "shutil",
}
"""What the pure cores never import: they are driven by bytes and ``now``."""
PURE = (
    "acd",
    "sip",
    "media",
    "records",
    "directory",
    "stats/metrics.py",
    "stats/rollup.py",
    "recordings/policy.py",
    "recordings/ranges.py",
)


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def modules_in(package: str) -> list[Path]:
    module = SRC / (package if package.endswith(".py") else f"{package}.py")
    return [module] if module.is_file() else sorted((SRC / package).rglob("*.py"))


def allowed(name: str, prefixes: set[str]) -> bool:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package: str) -> None:
    bad = {
        f"{path.relative_to(SRC)}: {name}"
        for path in modules_in(package)
        for name in imports_of(path)
        if not allowed(name, ALLOWED[package])
    }
    assert not bad, f"{package} imports beyond its layer: {sorted(bad)}"


@pytest.mark.parametrize("package", sorted(NEVER))
def test_package_never_imports_what_it_must_not(package: str) -> None:
    bad = {
        f"{path.relative_to(SRC)}: {name}"
        for path in modules_in(package)
        for name in imports_of(path)
        if any(name == p or name.startswith(p + ".") for p in NEVER[package])
        and name not in EXCEPT.get(package, set())
    }
    assert not bad, f"{package} imports what it must not: {sorted(bad)}"


@pytest.mark.parametrize("package", PURE)
def test_pure_cores_do_no_io(package: str) -> None:
    bad = set()
    for path in modules_in(package):
        tree = ast.parse(path.read_text(), filename=str(path))
        bad |= {f"{path.relative_to(SRC)}: {n}" for n in imports_of(path) & IO_MODULES}
        bad |= {
            f"{path.relative_to(SRC)}:{node.lineno}: open()"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "open"
        }
    assert not bad, f"{package} does I/O or reads the clock: {sorted(bad)}"


def test_only_the_http_module_joins_the_api_and_the_web() -> None:
    joining = [
        path.relative_to(SRC)
        for path in SRC.rglob("*.py")
        if {"helin.api.app", "helin.web.routes"} <= imports_of(path)
    ]
    assert joining == [Path("http.py")]


def test_every_package_named_here_has_modules() -> None:
    for package in [*ALLOWED, *NEVER, *PURE]:
        assert modules_in(package), package  # the parametrised tests really scanned code
    assert len(modules_in("acd")) >= 6
