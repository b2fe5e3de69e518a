"""Reports benchmark: seconds to make each report for a month of a 50-agent group, per format.

Run as ``python -m bench.reports`` (``make bench-reports``). The data are the statistics
benchmark's (``bench.stats``: its generator, its rollups rebuilt from the raw rows) at the
ten-million-calls-a-year density for one month, in SQLite: 200 groups with 50 agents each,
850,000 calls over 31 days, the busiest group (about a tenth of them) is the one reported on.
Each report is made as a run makes it (the statistics services as the manager:
``content.build``; then each format: ``render.render``), ``--repeat`` times after one warm-up,
and the median is printed with the file's size. Results: ``bench/results/reports.json``.
``--examples DIR`` also writes each report's first PDF page as a PNG (the pictures in
docs/reports.md).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.stats import YEAR_START, ZONE, call_columns, company, draw, insert_calls
from helin.api.context import ApiContext
from helin.api.services.security import Principal
from helin.reports import content, render
from helin.reports.catalog import Format, ReportKind
from helin.reports.schedule import Span
from helin.stats.rollup import Period
from helin.store import db
from helin.store.stats.rebuild import rebuild
from helin.store.tables import User

RESULTS = Path(__file__).parent / "results" / "reports.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=850_000)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--agents-per-group", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--examples", type=Path, help="write each report's first PDF page here as PNG (pdftoppm)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{Path(work) / 'bench.db'}"
        db.migrate(url)
        engine = db.make_engine(url)
        sessions = db.session_factory(engine)
        began = time.perf_counter()
        data = draw(args.calls, args.groups, args.days)
        with sessions.begin() as session:
            tenant, groups, agents = company(
                session, args.groups, args.groups * args.agents_per_group
            )
            manager = User(tenant_id=tenant, username="boss", password_hash="-", manager=True)
            session.add(manager)
        insert_calls(engine, call_columns(data, tenant, groups, agents))
        with sessions.begin() as session:
            rebuild(session)
        busiest = groups[0]
        calls = int((data["group"] == 0).sum())
        print(
            f"reports benchmark: {args.calls:,} calls, the busiest group {calls:,},"
            f" made in {time.perf_counter() - began:.0f} s"
        )
        with sessions() as session:
            boss = session.scalars(select(User).where(User.username == "boss")).one()
            me = Principal.of(boss, 0, False)
        ctx = ApiContext(sessions=sessions, live=None)  # type: ignore[arg-type]
        first = YEAR_START.date()
        span = Span(first, first + timedelta(days=args.days - 1))
        results: dict[str, Any] = {}
        for kind in ReportKind:
            request = content.Request(
                kind=kind,
                span=span,
                timezone=ZONE,
                group_ids=(busiest,),
                interval=Period.DAY if kind is ReportKind.GROUP_SUMMARY else Period.HOUR,
            )
            document = content.build(ctx, me, "Bench OÜ", request)
            built = _time(lambda r=request: content.build(ctx, me, "Bench OÜ", r), args.repeat)
            results[kind.value] = {"build_s": built}
            line = [f"{kind.value:16} figures {built:7.3f} s"]
            for form in Format:
                out = render.render(document, form)
                if form is Format.PDF and args.examples is not None:
                    _first_page(out, args.examples / f"report-{kind.value}")
                seconds = _time(lambda d=document, f=form: render.render(d, f), args.repeat)
                results[kind.value][form.value] = {"seconds": seconds, "bytes": len(out)}
                line.append(f"{form.value} {seconds:7.3f} s {len(out) / 1e6:6.2f} MB")
            print(" · ".join(line), flush=True)
        engine.dispose()
    out = {
        "reports": results,
        "calls": args.calls,
        "days": args.days,
        "groups": args.groups,
        "agents_per_group": args.agents_per_group,
        "busiest_group_calls": calls,
        "period": [span.first.isoformat(), span.last.isoformat()],
        "repeat": args.repeat,
        "python": platform.python_version(),
        "note": "seconds are medians; figures = the statistics services (content.build); "
        "each format's time is the rendering of those figures",
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written to {RESULTS}")


def _first_page(pdf: bytes, stem: Path) -> None:
    """Page 1 of ``pdf`` as ``<stem>.png``, 1,100 pixels wide (poppler's pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        raise SystemExit("--examples needs pdftoppm (Debian package poppler-utils)")
    stem.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-singlefile", "-f", "1", "-l", "1", "-scale-to-x", "1100",
         "-scale-to-y", "-1", "-", str(stem)],
        input=pdf,
        check=True,
    )  # fmt: skip


def _time(function: Any, repeat: int) -> float:
    function()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times), 3)


if __name__ == "__main__":
    main()
