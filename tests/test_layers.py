"""Imports point one way (docs/architecture.md): pure cores import no I/O and no upper layer."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "helin"

ALLOWED: dict[str, set[str]] = {
    # package: helin packages and third-party modules it may import (stdlib is always allowed)
    "acd": {"helin.acd", "helin.deadlines", "sortedcontainers"},
    "sip": {"helin.sip", "helin.deadlines"},
    "media": {"helin.media", "helin.deadlines"},
    "records": {"helin.acd"},
    "switch": {"helin.acd", "helin.sip", "helin.media", "helin.records", "helin.switch", "uvloop"},
    "stats": {"helin.acd", "helin.stats", "helin.store", "sqlalchemy"},
}
NEVER: dict[str, set[str]] = {
    "store": {"helin.switch", "helin.sip", "helin.media", "helin.api", "helin.web"},
    "api": {"helin.sip", "helin.media", "helin.switch"},
    "web": {"helin.sip", "helin.media", "helin.switch"},
}


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
    module = SRC / f"{package}.py"
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
def test_package_never_imports_lower_io_layers(package: str) -> None:
    bad = {
        f"{path.relative_to(SRC)}: {name}"
        for path in modules_in(package)
        for name in imports_of(path)
        if any(name == p or name.startswith(p + ".") for p in NEVER[package])
    }
    assert not bad, f"{package} imports what it must not: {sorted(bad)}"


def test_the_acd_core_has_modules() -> None:
    assert len(modules_in("acd")) >= 6  # the parametrised tests above really scanned code
