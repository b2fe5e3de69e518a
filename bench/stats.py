"""Statistics benchmark: a year of calls for many groups, then the statistics views, timed.

Run as ``python -m bench.stats`` (``make bench-stats``); ``--calls`` sets the size (default ten
million: 200 groups, 2,000 agents, a year). For each database (SQLite in a temporary file, and
PostgreSQL from Debian's ``postgresql``, a throwaway cluster as the tests start it):

1. **generate**: the company (one tenant, the groups, their agents) and the raw call rows,
   drawn with numpy: groups by a Zipf-like weight, days uniform over the year, hours of the
   day from a working-day profile, outcomes (82% answered, 10% abandoned, 4% overflowed by
   reason, 3% closed, 1% failed), waits and talk times exponential; each answered call taken
   by one of its group's ten agents. Inserted through the driver (``executemany`` on SQLite,
   ``COPY`` on PostgreSQL). The agents' day rows are made from the answered calls (the bench
   writes no agent events): 8 hours logged in on a day with calls, 5 s ringing a call, the
   talk on a call. Figure: seconds.
2. **rebuild**: ``helin stats rebuild`` (``store.stats.rebuild``) makes the group rollups
   from the raw rows, through the very contribution function the records writer uses.
   Figures: seconds, and microseconds per call.
3. **views**, each run once to warm the caches and then repeated and timed (p50 and p99,
   milliseconds) through the same functions the API uses, with the start-up heap frozen out
   of the garbage collector as ``helin serve`` does: one group's month by hour; every group's
   day by 15 minutes; a tenant's year by month (every group); the call log's first page with
   a filter (a group, answered calls, a month); one agent's week by day.

DuckDB scans the same raw rows (numpy arrays with each arrival's local time as a column, no
rollups) for the same answers in the same run, as a reference: its figures are printed beside
each view's, and the counts are checked to agree with the rollups'. Results:
``bench/results/stats.json`` (``stats-sqlite.json`` or ``stats-postgres.json`` for a run with
``--only``).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
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
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench.process import percentile
from helin.acd.model import Outcome, OverflowReason
from helin.stats.metrics import ALL_GROUPS, AgentCounts
from helin.stats.rollup import Period
from helin.store import db
from helin.store.calls import history
from helin.store.stats.rebuild import rebuild
from helin.store.stats.series import Slice, agents_in, series, series_of
from helin.store.tables import Call, Group, Tenant, User

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


CALL_COLUMNS = (
    "call_id", "segment", "direction", "tenant_id", "group_id", "agent_id", "caller", "number",
    "arrived_at", "queued_at", "answered_at", "ended_at", "outcome", "overflow_reason", "offers",
)  # fmt: skip


def _stamps(seconds: np.ndarray) -> np.ndarray:
    """POSIX seconds as the text both databases take for a UTC timestamp (microseconds)."""
    text = np.datetime_as_string((seconds * 1e6).astype("datetime64[us]"), unit="us")
    return np.char.replace(text, "T", " ")


def call_columns(
    data: dict[str, np.ndarray], tenant: int, groups: list[int], agents: list[int]
) -> list[list[Any]]:
    """The raw call rows as columns of Python values (None for NULL), in ``CALL_COLUMNS``
    order: built with numpy, a column at a time."""
    n = len(data["arrived"])
    kind = data["kind"]
    answered = kind == 0
    per_group = max(1, len(agents) // len(groups))
    group_index = data["group"]
    agent = np.asarray(agents)[(group_index * per_group + data["agent"]) % len(agents)]
    arrived, wait, talk = data["arrived"], data["wait"], data["talk"]
    outcome = np.array([o.value for o, _, _ in OUTCOMES], dtype=object)[kind]
    reason = np.array([r.value if r else None for _, r, _ in OUTCOMES], dtype=object)[kind]
    stamps = _stamps(arrived).astype(object)

    def where(mask: np.ndarray, values: np.ndarray) -> list[Any]:
        out = values.astype(object)
        out[~mask] = None
        return list(out)

    return [
        [f"c{i}" for i in range(n)],
        [0] * n,
        ["inbound"] * n,
        [tenant] * n,
        np.asarray(groups)[group_index].tolist(),
        where(answered, agent),
        ["+3725550000"] * n,
        ["+3726000000"] * n,
        list(stamps),
        where(kind != 5, stamps),
        where(answered, _stamps(arrived + wait)),
        list(_stamps(arrived + wait + talk)),
        list(outcome),
        list(reason),
        answered.astype(int).tolist(),
    ]


def insert_calls(engine: Any, columns: list[list[Any]]) -> None:
    """Every call row at once through the driver: ``executemany`` on SQLite, ``COPY`` on
    PostgreSQL (what an import of this size would use)."""
    rows = zip(*columns, strict=True)
    names = ", ".join(CALL_COLUMNS)
    with engine.begin() as connection:
        raw = connection.connection.driver_connection
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" * len(CALL_COLUMNS))
            cursor.executemany(f"INSERT INTO calls ({names}) VALUES ({marks})", rows)
        else:
            with cursor.copy(f"COPY calls ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


def local_days(arrived: np.ndarray, first: date) -> np.ndarray:
    """Each arrival's day in ``ZONE``, as days since ``first`` (one zone lookup per hour)."""
    hours, inverse = np.unique((arrived // 3600).astype(np.int64), return_inverse=True)
    zone = ZoneInfo(ZONE)
    day_of_hour = np.array(
        [(datetime.fromtimestamp(int(h) * 3600, zone).date() - first).days for h in hours]
    )
    return day_of_hour[inverse]


def agent_day_rows(
    data: dict[str, np.ndarray], tenant: int, groups: list[int], agents: list[int], days: int
) -> list[tuple[Any, ...]]:
    """``agent_days`` rows made from the answered calls, for the agent views: each agent
    answering calls on a day was logged in 8 hours to their group, rang 5 s a call, and talked
    the calls' talk; the rest of the 8 hours available. Rows for the group and for all groups.
    (Synthetic: the bench writes no agent events, so the rows are made here directly.)"""
    answered = data["kind"] == 0
    per_group = max(1, len(agents) // len(groups))
    agent = ((data["group"] * per_group + data["agent"]) % len(agents))[answered]
    group = data["group"][answered]
    day = local_days(data["arrived"][answered], YEAR_START.date())
    talk = np.round(data["talk"][answered] * 1e6).astype(np.int64)
    span = days + 2  # local days run from the day before the first to the day after the last
    key = (agent.astype(np.int64) * span + day + 1) * len(groups) + group
    keys, inverse = np.unique(key, return_inverse=True)
    calls = np.bincount(inverse)
    talked = np.bincount(inverse, weights=talk).astype(np.int64)
    ring = calls * 5_000_000
    logged = np.maximum(8 * 3600 * 1_000_000, ring + talked)
    rows = []
    fields = [f.name for f in dataclasses.fields(AgentCounts)]
    for k, n, t, r, li in zip(
        keys.tolist(), calls.tolist(), talked.tolist(), ring.tolist(), logged.tolist(), strict=True
    ):
        g = k % len(groups)
        a, d = divmod(k // len(groups), span)
        d -= 1
        counts = AgentCounts(
            logged_in_us=li,
            available_us=li - r - t,
            ringing_us=r,
            on_call_us=t,
            offers=n,
            offers_answered=n,
            answered=n,
            talk_us=t,
        )
        values = [getattr(counts, name) for name in fields]
        on = YEAR_START.date() + timedelta(days=d)
        for group_id in (groups[g], ALL_GROUPS):  # an agent works in one group here
            rows.append((agents[a], group_id, on, tenant, *values))
    return rows


def insert_agent_days(engine: Any, rows: list[tuple[Any, ...]]) -> None:
    names = ["agent_id", "group_id", "day", "tenant_id"]
    names += [f.name for f in dataclasses.fields(AgentCounts)]
    mark = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = f"INSERT INTO agent_days ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    with engine.begin() as connection:
        connection.exec_driver_sql(sql, rows)


@dataclasses.dataclass(frozen=True)
class Dates:
    """The days the views ask for, inside the generated range: a day (12 March when the
    range has it, else its last day), that day's month (so far as generated) and its week."""

    day: date
    month_first: date
    month_end: date
    """The day after the month (or after the range)."""
    week_first: date

    @classmethod
    def of(cls, days: int) -> Dates:
        first = YEAR_START.date()
        last = first + timedelta(days=days - 1)
        day = min(date(2025, 3, 12), last)
        month_first = day.replace(day=1)
        month_end = min((month_first + timedelta(days=32)).replace(day=1), last + timedelta(1))
        return cls(day, month_first, month_end, max(first, day - timedelta(days=day.weekday())))


def timed(function: Callable[[], Any], repeat: int) -> tuple[dict[str, float], Any]:
    """p50 and p99 (ms) of ``repeat`` runs after one untimed run that warms the caches (the
    database's pages, the period tables), as a running server has them."""
    result = function()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(1000 * (time.perf_counter() - began))
    p99 = percentile(times, 0.99)
    return {"p50": round(statistics.median(times), 2), "p99": round(p99, 2)}, result


def views(
    sessions: sessionmaker[Session],
    tenant: int,
    groups: list[int],
    agent: int,
    days: int,
    repeat: int,
) -> dict[str, Any]:
    busiest = groups[0]
    when = Dates.of(days)
    month = Slice(when.month_first, when.month_end - timedelta(days=1))
    day = Slice(when.day, when.day)
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
        since=datetime.combine(when.month_first, datetime.min.time(), UTC),
        until=datetime.combine(when.month_end, datetime.min.time(), UTC),
    )
    run("call_log_first_page", lambda s: history.calls(s, tenant, where, limit=100).total)
    week = Slice(when.week_first, when.week_first + timedelta(days=6))
    run(
        "agent_week_by_day",
        lambda s: sum(
            r.counts.answered
            for rows in series_of(
                s, [(agent, ZONE)], week, Period.DAY, agents_in(ALL_GROUPS)
            ).values()
            for r in rows
        ),
    )
    return out


def duckdb_views(
    data: dict[str, np.ndarray], repeat: int, days: int, groups: int, agents: int
) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    when = Dates.of(days)
    per_group = max(1, agents // groups)
    calls = {k: v for k, v in data.items()}
    calls["worker"] = (data["group"] * per_group + data["agent"]) % agents
    # the local time of each arrival computed once, as a column: the reference scans rows,
    # it does not convert ten million time stamps per query
    con.execute(
        "CREATE TABLE calls AS SELECT *,"
        " to_timestamp(arrived) AT TIME ZONE 'Europe/Tallinn' AS local FROM calls"
    )
    local = "local"
    march = (
        datetime.combine(when.month_first, datetime.min.time(), UTC).timestamp(),
        datetime.combine(when.month_end, datetime.min.time(), UTC).timestamp(),
    )

    def count(where: str, by: str) -> str:
        """Answered calls per ``by`` among the rows ``where`` says."""
        return (
            f"SELECT {by} AS k, count(*) FILTER (WHERE kind = 0) AS a FROM calls"
            f" WHERE {where} GROUP BY ALL"
        )

    queries = {
        "group_month_by_hour": count(
            f"\"group\" = 0 AND {local} >= '{when.month_first}' AND {local} < '{when.month_end}'",
            f"date_trunc('hour', {local})",
        ),
        "all_groups_day_by_15min": count(
            f"{local} >= '{when.day}' AND {local} < '{when.day + timedelta(days=1)}'",
            f'"group", time_bucket(INTERVAL 15 MINUTE, {local})',
        ),
        "tenant_year_by_month": count(
            f"{local} >= '2025-01-01' AND {local} < DATE '2025-01-01' + {days}",
            f"\"group\", date_trunc('month', {local})",
        ),
        "call_log_first_page": count(
            f'"group" = 0 AND arrived >= {march[0]} AND arrived < {march[1]}', "1"
        ),
        "agent_week_by_day": count(
            f"worker = 0 AND {local} >= '{when.week_first}'"
            f" AND {local} < '{when.week_first + timedelta(days=7)}'",
            f"date_trunc('day', {local})",
        ),
    }
    out = {}
    for name, sql in queries.items():
        figures, result = timed(
            lambda sql=sql: con.execute(f"SELECT sum(a) FROM ({sql})").fetchone(), repeat
        )
        answered = int(result[0] or 0)
        if name == "call_log_first_page":  # the call log counts up to its limit
            answered = min(answered, history.COUNT_LIMIT)
        out[name] = {"ms": figures, "answered": answered}
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


def settle(engine: Any) -> None:
    """What an operator does after a bulk import, before the timing: fresh planner statistics,
    and on PostgreSQL the new rows vacuumed (else autovacuum works through ten million rows
    while the views are timed)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE)"
            )
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def run_on(kind: str, data: dict[str, np.ndarray], args: argparse.Namespace) -> dict[str, Any]:
    with database(kind) as url:
        db.migrate(url)
        engine = db.make_engine(url)
        sessions = db.session_factory(engine)
        began = time.perf_counter()
        with sessions.begin() as session:
            tenant, groups, agents = company(session, args.groups, args.agents)
        insert_calls(engine, call_columns(data, tenant, groups, agents))
        insert_agent_days(engine, agent_day_rows(data, tenant, groups, agents, args.days))
        generated = time.perf_counter() - began
        began = time.perf_counter()
        with sessions.begin() as session:
            added = rebuild(session).segments
        rebuilt = time.perf_counter() - began
        with sessions() as session:
            count = session.scalar(select(func.count()).select_from(Call))
        print(f"  {kind}: {count:,} calls generated in {generated:.0f} s,", end=" ")
        print(f"rollups rebuilt in {rebuilt:.0f} s", flush=True)
        settle(engine)
        gc.collect()
        gc.freeze()  # as ``helin serve`` does once started
        measured = views(sessions, tenant, groups, agents[0], args.days, args.repeat)
        gc.unfreeze()
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
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    began = time.perf_counter()
    data = draw(args.calls, args.groups, args.days)
    print(
        f"statistics benchmark: {args.calls:,} calls drawn in {time.perf_counter() - began:.1f} s"
    )
    reference = duckdb_views(data, args.repeat, args.days, args.groups, args.agents)
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
            "rebuild_seconds": first["rebuild_seconds"],
            "by_database": {
                k: {n: r[n] for n in ("generate_seconds", "rebuild_seconds", "rollup_us_per_call")}
                for k, r in results.items()
            },
            "calls": args.calls,
            "groups": args.groups,
            "agents": args.agents,
            "days": args.days,
            "repeat": args.repeat,
            "python": platform.python_version(),
            "note": "agent_days rows are made from the answered calls (the bench writes no "
            "agent events); the group rollups are rebuilt from the call rows",
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
    if args.calls == 10_000_000:  # a run on one database only has a file of its own
        target = RESULTS.with_name(f"stats-{args.only}.json") if args.only else RESULTS
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(out, indent=2) + "\n")
        print(f"written to {target}")


if __name__ == "__main__":
    main()
