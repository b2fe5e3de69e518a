"""The build choice (helin.compiled): the build asked for is the one running, a stale or
missing extension never shadows its source, and a bad ``HELIN_BUILD`` is refused clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helin import compiled

SHOW = "import helin.compiled as c; print(c.BUILD); print(c.is_compiled())"


def run(build: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, compiled.ENV: build}
    return subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=False
    )


def test_the_build_asked_for_is_the_one_running() -> None:
    wanted = os.environ.get(compiled.ENV, "auto")
    running = compiled.is_compiled()
    if wanted == "compiled":
        assert running, compiled.BUILD
        assert compiled.BUILD.startswith("compiled with mypyc")
    elif wanted == "pure":
        assert not running
        assert compiled.BUILD == "pure Python (HELIN_BUILD=pure)"
    else:
        assert running == (not compiled.stale()), compiled.BUILD


def test_pure_is_pure_even_beside_the_extensions() -> None:
    shown = run("pure")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == ["pure Python (HELIN_BUILD=pure)", "False"]


def test_compiled_runs_the_extensions_or_refuses() -> None:
    shown = run("compiled")
    if compiled.stale():
        assert shown.returncode != 0
        assert "HELIN_BUILD=compiled but" in shown.stderr
        assert "make compile" in shown.stderr
    else:
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.splitlines()[1] == "True"


def test_an_unknown_build_is_refused_with_the_choices() -> None:
    shown = run("fast")
    assert shown.returncode != 0
    assert "HELIN_BUILD='fast': use auto, compiled or pure" in shown.stderr


def _tree(root: Path, modules: list[str]) -> None:
    for module in modules:
        source = compiled.source_of(module, root)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("")


def _touch(path: Path, mtime: float) -> None:
    path.write_bytes(b"")
    os.utime(path, (mtime, mtime))


def test_stale_names_what_is_missing_or_older_than_its_source(tmp_path: Path) -> None:
    modules = ["pkg.a", "pkg.sub.b"]
    _tree(tmp_path, modules)
    for module in modules:
        os.utime(compiled.source_of(module, tmp_path), (1000, 1000))
    group = compiled.group_library(tmp_path)
    assert compiled.stale(tmp_path, modules) == [
        f"{group.name} missing",
        "pkg.a not compiled",
        "pkg.sub.b not compiled",
    ]
    _touch(group, 2000)
    _touch(compiled.extension_of("pkg.a", tmp_path), 2000)
    _touch(compiled.extension_of("pkg.sub.b", tmp_path), 2000)
    assert compiled.stale(tmp_path, modules) == []
    # a source edited after compiling: its extension and the shared library are stale
    os.utime(compiled.source_of("pkg.sub.b", tmp_path), (3000, 3000))
    assert compiled.stale(tmp_path, modules) == [
        "pkg.sub.b changed since it was compiled",
        f"{group.name} older than the sources",
    ]


@pytest.mark.parametrize("module", compiled.MODULES)
def test_every_listed_module_has_its_source(module: str) -> None:
    assert compiled.source_of(module).is_file()
