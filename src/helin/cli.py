"""The ``helin`` command: setup, serve, demo, provision, simulate, erlang.

Each sub-command parses its arguments here and calls one function elsewhere; heavy imports
happen only for the sub-command that runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from helin.config import Settings, parse_port_range


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the options given on the command line."""
    given: dict[str, Any] = {}
    for name in ("data_dir", "database_url", "sip_port", "http_port", "rtp_ports"):
        value = getattr(args, name, None)
        if value is not None:
            given[name] = value
    return Settings(**given)


def _add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="data directory (HELIN_DATA_DIR)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (HELIN_DATABASE_URL)")


def _port_range(text: str) -> tuple[int, int]:
    try:
        return parse_port_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helin", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    setup = sub.add_parser("setup", help="create or migrate the database and the first operator")
    _add_store_options(setup)

    serve = sub.add_parser("serve", help="run helin")
    _add_store_options(serve)
    serve.add_argument("--sip-port", type=int, help="SIP port, UDP and TCP (HELIN_SIP_PORT)")
    serve.add_argument("--http-port", type=int, help="HTTP port (HELIN_HTTP_PORT)")
    serve.add_argument(
        "--rtp-ports", type=_port_range, metavar="LOW-HIGH", help="RTP ports (HELIN_RTP_PORTS)"
    )

    provision = sub.add_parser("provision", help="apply a provisioning YAML file (idempotent)")
    _add_store_options(provision)
    provision.add_argument("file", type=Path)
    provision.add_argument(
        "--dry-run", action="store_true", help="validate and report, change nothing"
    )

    demo = sub.add_parser(
        "demo", help="run helin with a demo company whose phones place and answer calls"
    )
    _add_store_options(demo)
    demo.add_argument("--duration", type=float, help="stop after this many seconds")
    demo.add_argument("--rate", type=float, default=15.0, help="calls per minute (default 15)")
    demo.add_argument("--agents", type=int, default=5, help="agents with a softphone (default 5)")
    demo.add_argument("--seed", type=int, help="random seed, to repeat a run's choices")

    log = sub.add_parser("calllog", help="a group's call log: its last 99 calls, missed flagged")
    _add_store_options(log)
    log.add_argument("group", help="the group's name or id")
    log.add_argument("--limit", type=int, default=99, help="how many calls (default 99)")

    stats = sub.add_parser("stats", help="statistics upkeep")
    stats_sub = stats.add_subparsers(dest="stats_command", required=True)
    rebuild = stats_sub.add_parser(
        "rebuild", help="recompute the statistics rollups from the call rows"
    )
    _add_store_options(rebuild)
    rebuild.add_argument("--tenant", type=int, help="only this tenant's groups (its id)")
    rebuild.add_argument(
        "--since", type=date.fromisoformat, help="from this local date on (YYYY-MM-DD)"
    )

    sim = sub.add_parser("simulate", help="simulate Poisson traffic through the real ACD engine")
    sim.add_argument("--agents", type=int, required=True)
    sim.add_argument("--calls-per-hour", type=float, required=True)
    sim.add_argument("--aht", type=float, required=True, help="mean handle time, seconds")
    sim.add_argument("--threshold", type=float, default=20.0, help="service-level threshold, s")
    sim.add_argument("--hours", type=float, default=100.0, help="simulated hours")
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--policy", default="uniform", help="distribution policy")
    sim.add_argument("--json", action="store_true", help="print JSON")

    erl = sub.add_parser("erlang", help="Erlang C staffing figures")
    erl.add_argument("--calls-per-hour", type=float, required=True)
    erl.add_argument("--aht", type=float, required=True, help="mean handle time, seconds")
    erl.add_argument("--threshold", type=float, default=20.0, help="service-level threshold, s")
    erl.add_argument("--target", type=float, default=0.8, help="service-level target, 0-1")
    erl.add_argument("--agents", type=int, help="also report figures for this many agents")
    erl.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _print_figures(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, indent=2, sort_keys=True))
        return
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for inner, inner_value in value.items():
                print(f"  {inner}: {inner_value}")
        else:
            print(f"{key}: {value}")


def _print_call_log(url: str, group: str, limit: int) -> int:
    """The group call log, newest first: ``!`` marks a missed call."""
    from helin.store import db, groups
    from helin.store.calls import calllog

    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            found = groups.find(session, group)
            if not isinstance(found, int):
                print(f"helin calllog: {found}", file=sys.stderr)
                return 1
            entries = calllog.group_call_log(session, found, limit=max(1, min(limit, 1000)))
            name = groups.name(session, found)
    finally:
        engine.dispose()
    print(f"{name} (group {found}): {len(entries)} calls, newest first, ! = missed")
    for e in entries:
        mark = "!" if e.missed else " "
        outcome = e.outcome.value if e.outcome else "ongoing"
        when = e.arrived_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{mark} {when}  {e.direction.value:8}  {e.caller:>16} -> {e.number:<16} {outcome}")
    if not entries:
        print("no calls yet")
    return 0


def _rebuild_stats(url: str, tenant: int | None, since: date | None) -> int:
    from helin.store import db
    from helin.store.stats.rebuild import rebuild

    engine = db.make_engine(url)
    try:
        with db.session_factory(engine).begin() as session:
            done = rebuild(session, tenant_id=tenant, since=since)
    finally:
        engine.dispose()
    print(f"statistics rebuilt from {done.segments} call rows and {done.agents} agents' records")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace) -> int:
    if args.command == "erlang":
        from helin.stats.erlang import erlang_report

        try:
            figures = erlang_report(
                calls_per_hour=args.calls_per_hour,
                aht=args.aht,
                threshold=args.threshold,
                target=args.target,
                agents=args.agents,
            )
        except ValueError as exc:
            print(f"helin erlang: {exc}", file=sys.stderr)
            return 2
        _print_figures(figures, args.json)
        return 0
    if args.command == "simulate":
        from helin.stats.simulator import SimulationParams, simulate

        try:
            params = SimulationParams(
                agents=args.agents,
                calls_per_hour=args.calls_per_hour,
                aht=args.aht,
                threshold=args.threshold,
                hours=args.hours,
                seed=args.seed,
                policy=args.policy,
            )
        except ValueError as exc:
            print(f"helin simulate: {exc}", file=sys.stderr)
            return 2
        _print_figures(simulate(params), args.json)
        return 0

    settings = _settings(args)
    if args.command == "provision":
        from helin.store.provisioning.file import ProvisionError, provision_file

        try:
            summary = provision_file(
                settings.effective_database_url, args.file, dry_run=args.dry_run
            )
        except ProvisionError as exc:
            print(f"helin provision: {exc}", file=sys.stderr)
            return 1
        print(summary)
        return 0

    if args.command == "calllog":
        return _print_call_log(settings.effective_database_url, args.group, args.limit)

    if args.command == "stats":
        return _rebuild_stats(settings.effective_database_url, args.tenant, args.since)

    from helin import app

    if args.command == "setup":
        app.setup(settings)
        return 0
    if args.command == "demo":
        from helin.demo.run import Options, run

        if not 1 <= args.agents <= 50 or not 0 < args.rate <= 600:
            print("helin demo: --agents must be 1-50 and --rate 0-600 calls/min", file=sys.stderr)
            return 2
        if args.duration is not None and args.duration <= 0:
            print("helin demo: --duration must be positive", file=sys.stderr)
            return 2
        os.makedirs(settings.data_dir, exist_ok=True)
        options = Options(
            agents=args.agents, rate=args.rate, duration=args.duration, seed=args.seed
        )
        return run(settings, options)
    if args.command == "serve":
        os.makedirs(settings.data_dir, exist_ok=True)
        app.serve(settings)
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
