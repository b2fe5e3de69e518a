"""Compile helin's hot path (the modules ``helin.compiled.MODULES`` lists) with mypyc, in place.

``make compile`` runs it; ``make run`` runs it with ``--if-possible`` (no C compiler, no
Python headers or no mypy: helin runs its pure-Python build and says so); ``make test`` runs
it plainly, so a compile error fails the run. Nothing is done when every extension is newer
than its source (``--force`` compiles anyway). The extensions land beside their sources and
the shared library ``helin_native__mypyc`` beside the ``helin`` package; the generated C goes
to ``build/mypyc``.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import sysconfig
from pathlib import Path

from helin.compiled import GROUP, MODULES, SRC, source_of, stale

ROOT = SRC.parent


def missing_tools() -> str | None:
    """Why compiling cannot start here, or None."""
    # the compiler setuptools will call: $CC, else the one Python was built with
    compiler = os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc"
    if shutil.which(shlex.split(compiler)[0]) is None:
        return "no C compiler (Debian: apt-get install gcc)"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").is_file():
        return "no Python headers (Debian: apt-get install python3-dev)"
    try:
        import mypyc.build  # noqa: F401
    except ImportError:
        return "no mypyc (pip install mypy)"
    return None


def compile_modules() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    build = ROOT / "build" / "mypyc"
    sources = [str(source_of(module).relative_to(SRC)) for module in MODULES]
    # mypyc names modules by their paths from here and builds in place here; --force relinks
    # every extension, so each is newer than its source even where its C did not change
    os.chdir(SRC)
    setup(
        name="helin-native",
        ext_modules=mypycify(sources, opt_level="3", group_name=GROUP, target_dir=str(build)),
        script_args=[
            "-q",
            "build_ext",
            "--inplace",
            "--force",
            "--build-temp",
            str(build / "temp"),
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-possible", action="store_true", help="no compiler: say so, exit 0")
    parser.add_argument("--force", action="store_true", help="compile even when up to date")
    args = parser.parse_args()
    if not args.force and not stale():
        print(f"helin: compiled build up to date ({len(MODULES)} modules)")
        return 0
    why = missing_tools()
    if why is not None:
        print(f"helin: cannot compile, {why}: helin runs its pure-Python build")
        return 0 if args.if_possible else 1
    print(f"helin: compiling {len(MODULES)} modules with mypyc (about a minute) ...")
    try:
        compile_modules()
    except (SystemExit, Exception) as exc:  # setuptools exits on a compiler error
        if not args.if_possible:
            raise
        print(f"helin: compiling failed ({exc}): helin runs its pure-Python build")
        return 0
    left = stale()
    if left:
        print("helin: compiled, but " + "; ".join(left[:3]), file=sys.stderr)
        return 0 if args.if_possible else 1
    print("helin: compiled build ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
