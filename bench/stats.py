"""Statistics benchmark: a year of calls for many groups, then the statistics views, timed.

Run as ``python -m bench.stats`` (``make bench-stats``); ``--calls`` sets the size (default ten
million: 200 groups, 2,000 agents, a year). For each database (SQLite in a temporary file, and
PostgreSQL from Debian's ``postgresql``, a throwaway cluster as the tests start it):

1. **generate**: the company (one tenant, the groups, their agents) and the raw call rows,
   drawn with numpy: groups by a Zipf-like weight, days uniform over the year, hours of the
   day from a working-day profile, outcomes (82% answered, 10% abandoned, 4% overflowed by
   reason, 3% closed, 1% failed), waits and talk times exponential. Inserted with Core
   ``executemany`` in chunks. Figure: seconds.
2. **rebuild**: ``helin stats rebuild`` (``store.stats.rollups.rebuild``) makes the rollups
   from the raw rows, through the very contribution function the records writer uses.
   Figures: seconds, and microseconds per call.
3. **views**, each repeated and timed (p50 and p99, milliseconds) through the same functions
   the API uses: one group's month by hour; every group's day by 15 minutes; a tenant's year
   by month (every group); the call log's first page with a filter (a group, answered calls,
   a month). One agent's week is not measured: agent statistics are not built yet.

DuckDB scans the same raw rows (numpy arrays, no rollups) for the same answers in the same
run, as a reference: its figures are printed beside each view's, and the counts are checked
to agree with the rollups'. Results: ``bench/results/stats.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from helin.acd.model import Outcome, OverflowReason
from helin.stats.rollup import Period
from helin.store import db
from helin.store.calls import history
from helin.store.stats import rollups
from helin.store.stats.series import Slice, series, series_of
from helin.store.tables import Call, Group, Tenant, User
from helin.store.tables.enums import Direction

RESULTS = Path(__file__).parent / "results" / "stats.json"
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
ZONE = "Europe/Tallinn"
OUTCOMES = [
    (Outcome.ANSWERED, None, 0.82),
    (Outcome.ABANDONED, None, 0.10),
    (Outcome.OVERFLOWED, OverflowReason.TIMEOUT, 0.02),
    (Outcome.OVERFLOWED, OverflowReason.FULL, 0.01),
    (Outcome.OVERFLOWED, OverflowReason.NO_AGENTS, 0.01),
    (Outcome.CLOSED, None, 0.03),
    (Outcome.FAILED, None, 0.01),
]
HOURS = np.array(
    [1, 1, 1, 1, 1, 2, 4, 10, 30, 45, 50, 48, 40, 45, 48, 45, 38, 25, 10, 6, 4, 3, 2, 1]
)
"""Relative arrivals by hour of the (UTC) day."""
CHUNK = 50_000


def draw(calls: int, groups: int, days: int, seed: int = 1) -> dict[str, np.ndarray]:
    """The raw calls as arrays (times in POSIX seconds)."""
    rng = np.random.default_rng(seed)
    weights = 1 / np.arange(1, groups + 1) ** 0.8
    group = rng.choice(groups, size=calls, p=weights / weights.sum())
    hour = rng.choice(24, size=calls, p=HOURS / HOURS.sum())
    day = rng.integers(0, days, size=calls)
    arrived = YEAR_START.timestamp() + day * 86400 + hour * 3600 + rng.uniform(0, 3600, calls)
    kind = rng.choice(len(OUTCOMES), size=calls, p=[p for _, _, p in OUTCOMES])
    wait = np.where(kind == 0, rng.exponential(30, calls), rng.exponential(45, calls))
    wait[kind == 5] = 0.0  # closed: no wait
    talk = np.where(kind == 0, rng.exponential(200, calls), 0.0)
    order = np.argsort(arrived, kind="stable")
    return {
        "group": group[order],
        "arrived": arrived[order],
        "kind": kind[order],
        "wait": wait[order],
        "talk": talk[order],
        "agent": rng.integers(0, 10, size=calls)[order],
    }


def company(session: Session, groups: int, agents: int) -> tuple[int, list[int], list[int]]:
    tenant = Tenant(name="Bench OÜ", sip_domain="bench.test", call_center=True)
    session.add(tenant)
    session.flush()
    session.execute(
        insert(Group),
        [{"tenant_id": tenant.id, "name": f"group {n}", "timezone": ZONE} for n in range(groups)],
    )
    session.execute(
        insert(User),
        [
            {"tenant_id": tenant.id, "username": f"agent{n}", "password_hash": "-", "agent": True}
            for n in range(agents)
        ],
    )
    group_ids = list(session.scalars(select(Group.id).order_by(Group.id)))
    user_ids = list(session.scalars(select(User.id).order_by(User.id)))
    return tenant.id, group_ids, user_ids


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def rows(
    data: dict[str, np.ndarray], tenant: int, groups: list[int], agents: list[int]
) -> Iterator[list[dict[str, Any]]]:
    per_group = max(1, len(agents) // len(groups))
    chunk: list[dict[str, Any]] = []
    for n in range(len(data["arrived"])):
        outcome, reason, _ = OUTCOMES[int(data["kind"][n])]
        at, wait, talk = float(data["arrived"][n]), float(data["wait"][n]), float(data["talk"][n])
        g = int(data["group"][n])
        answered = outcome is Outcome.ANSWERED
        chunk.append(
            {
                "call_id": f"c{n}",
                "segment": 0,
                "direction": Direction.INBOUND,
                "tenant_id": tenant,
                "group_id": groups[g],
                "agent_id": agents[(g * per_group + int(data["agent"][n])) % len(agents)]
                if answered
                else None,
                "caller": "+3725550000",
                "number": "+3726000000",
                "arrived_at": _dt(at),
                "queued_at": None if outcome is Outcome.CLOSED else _dt(at),
                "answered_at": _dt(at + wait) if answered else None,
                "ended_at": _dt(at + wait + talk),
                "outcome": outcome,
                "overflow_reason": reason,
                "offers": 1 if answered else 0,
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def timed(function: Callable[[], Any], repeat: int) -> tuple[dict[str, float], Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(1000 * (time.perf_counter() - began))
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return {"p50": round(statistics.median(times), 2), "p99": round(p99, 2)}, result


def views(
    sessions: sessionmaker[Session], tenant: int, groups: list[int], days: int, repeat: int
) -> dict[str, Any]:
    busiest = groups[0]
    month = Slice(date(2025, 3, 1), date(2025, 3, 31))
    day = Slice(date(2025, 3, 12), date(2025, 3, 12))
    year = Slice(date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=days - 1))
    out: dict[str, Any] = {}

    def run(name: str, view: Callable[[Session], int]) -> None:
        with sessions() as session:
            figures, answered = timed(lambda: view(session), repeat)
        out[name] = {"ms": figures, "answered": answered}

    run(
        "group_month_by_hour",
        lambda s: sum(r.counts.answered for r in series(s, busiest, ZONE, month, Period.HOUR)),
    )
    every = [(g, ZONE) for g in groups]

    def answered(found: dict[int, list[Any]]) -> int:
        return sum(r.counts.answered for rows in found.values() for r in rows)

    run(
        "all_groups_day_by_15min",
        lambda s: answered(series_of(s, every, day, Period.QUARTER)),
    )
    run(
        "tenant_year_by_month",
        lambda s: answered(series_of(s, every, year, Period.MONTH)),
    )
    where = history.CallFilter(
        group_id=busiest,
        outcome=Outcome.ANSWERED,
        since=datetime(2025, 3, 1, tzinfo=UTC),
        until=datetime(2025, 4, 1, tzinfo=UTC),
    )
    run("call_log_first_page", lambda s: history.calls(s, tenant, where, limit=100, offset=0)[0])
    return out


def duckdb_views(data: dict[str, np.ndarray], repeat: int, days: int) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    calls = {k: v for k, v in data.items()}  # noqa: F841  (a DuckDB replacement scan)
    con.execute("CREATE TABLE calls AS SELECT * FROM calls")
    local = "to_timestamp(arrived) AT TIME ZONE 'Europe/Tallinn'"
    march = (
        datetime(2025, 3, 1, tzinfo=UTC).timestamp(),
        datetime(2025, 4, 1, tzinfo=UTC).timestamp(),
    )

    def count(where: str, by: str) -> str:
        """Answered calls per ``by`` among the rows ``where`` says."""
        return (
            f"SELECT {by} AS k, count(*) FILTER (WHERE kind = 0) AS a FROM calls"
            f" WHERE {where} GROUP BY ALL"
        )

    queries = {
        "group_month_by_hour": count(
            f"\"group\" = 0 AND {local} >= '2025-03-01' AND {local} < '2025-04-01'",
            f"date_trunc('hour', {local})",
        ),
        "all_groups_day_by_15min": count(
            f"{local} >= '2025-03-12' AND {local} < '2025-03-13'",
            f'"group", time_bucket(INTERVAL 15 MINUTE, {local})',
        ),
        "tenant_year_by_month": count(
            f"{local} >= '2025-01-01' AND {local} < DATE '2025-01-01' + {days}",
            f"\"group\", date_trunc('month', {local})",
        ),
        "call_log_first_page": count(
            f'"group" = 0 AND arrived >= {march[0]} AND arrived < {march[1]}', "1"
        ),
    }
    out = {}
    for name, sql in queries.items():
        figures, result = timed(
            lambda sql=sql: con.execute(f"SELECT sum(a) FROM ({sql})").fetchone(), repeat
        )
        out[name] = {"ms": figures, "answered": int(result[0] or 0)}
    return out


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as work:
            yield f"sqlite:///{Path(work) / 'bench.db'}"
        return
    from tests.support import PostgresServer, postgres_bindir, postgres_run_as

    bindir = postgres_bindir()
    run_as, missing = postgres_run_as()
    if bindir is None or missing:
        raise SystemExit(
            f"PostgreSQL is needed (Debian package postgresql): {missing or 'no binaries'}"
        )
    server = PostgresServer(bindir, run_as)
    server.start()
    try:
        yield server.create_database()
    finally:
        server.stop()


def run_on(kind: str, data: dict[str, np.ndarray], args: argparse.Namespace) -> dict[str, Any]:
    with database(kind) as url:
        db.migrate(url)
        engine = db.make_engine(url)
        sessions = db.session_factory(engine)
        began = time.perf_counter()
        with sessions.begin() as session:
            tenant, groups, agents = company(session, args.groups, args.agents)
        with sessions.begin() as session:
            for chunk in rows(data, tenant, groups, agents):
                session.execute(insert(Call), chunk)
        generated = time.perf_counter() - began
        began = time.perf_counter()
        with sessions.begin() as session:
            added = rollups.rebuild(session)
        rebuilt = time.perf_counter() - began
        with sessions() as session:
            count = session.scalar(select(func.count()).select_from(Call))
        print(f"  {kind}: {count:,} calls generated in {generated:.0f} s,", end=" ")
        print(f"rollups rebuilt in {rebuilt:.0f} s")
        measured = views(sessions, tenant, groups, args.days, args.repeat)
        engine.dispose()
    return {
        "generate_seconds": round(generated, 1),
        "rebuild_seconds": round(rebuilt, 1),
        "rollup_us_per_call": round(1e6 * rebuilt / max(1, added), 1),
        "views": measured,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=10_000_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    began = time.perf_counter()
    data = draw(args.calls, args.groups, args.days)
    print(
        f"statistics benchmark: {args.calls:,} calls drawn in {time.perf_counter() - began:.1f} s"
    )
    reference = duckdb_views(data, args.repeat, args.days)
    databases = [args.only] if args.only else ["sqlite", "postgres"]
    results = {kind: run_on(kind, data, args) for kind in databases}
    out: dict[str, Any] = {"views": {}}
    for name, ref in reference.items():
        entry: dict[str, Any] = {"duckdb_raw_ms": ref["ms"]}
        for kind, result in results.items():
            found = result["views"][name]
            entry[f"{kind}_ms"] = found["ms"]
            entry["same_answer"] = (
                entry.get("same_answer", True) and found["answered"] == ref["answered"]
            )
        out["views"][name] = entry
    first = results[databases[0]]
    out.update(
        {
            "rollup_us_per_call": first["rollup_us_per_call"],
            "rebuild_seconds": {k: r["rebuild_seconds"] for k, r in results.items()},
            "generate_seconds": {k: r["generate_seconds"] for k, r in results.items()},
            "calls": args.calls,
            "groups": args.groups,
            "agents": args.agents,
            "days": args.days,
            "repeat": args.repeat,
            "python": platform.python_version(),
            "note": "one agent's week is not measured: agent statistics are not built yet",
        }
    )
    print()
    print(
        f"{'view':28} "
        + " ".join(f"{k + ' p50/p99 ms':>24}" for k in [*databases, "duckdb_raw"])
        + "  same"
    )
    for name, entry in out["views"].items():
        cells = [
            f"{entry[k + '_ms']['p50']:>10.1f} / {entry[k + '_ms']['p99']:<10.1f}"
            for k in [*databases, "duckdb_raw"]
        ]
        print(f"{name:28} " + " ".join(f"{c:>24}" for c in cells) + f"  {entry['same_answer']}")
    if args.calls == 10_000_000 and not args.only:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(out, indent=2) + "\n")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
