"""Declarative provisioning from a YAML file: tenants, users, devices, numbers, trunks, groups.

Applying a file makes the objects it names look the way it says, in one transaction, and
applying it again changes nothing. Objects the file does not name are left alone. Every
problem (YAML syntax, a wrong value, an unknown member, a number someone else owns) is
reported as ``file:line: path: message`` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from helin.store.db import make_engine, session_factory
from helin.store.provisioning.apply import Applier
from helin.store.provisioning.schema import ProvisionSpec, describe
from helin.store.provisioning.yamlsource import Problem, Source, SourceError, format_path, parse

KINDS = (
    "tenants",
    "users",
    "devices",
    "numbers",
    "trunks",
    "groups",
    "members",
    "pause_reasons",
    "dispositions",
)
"""What the summary counts, in the order it prints them."""
_REMOVABLE = frozenset({"devices", "numbers", "members"})


class ProvisionError(Exception):
    """The file could not be applied; the message names the line and field of each problem."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [message]
        """One ``file:line: path: message`` line per problem."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    removed: int = 0


@dataclass
class ProvisionSummary:
    """What applying a file did (or, in a dry run, would do)."""

    counts: dict[str, Counts] = field(default_factory=lambda: {kind: Counts() for kind in KINDS})
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything was (or would be) created, updated or removed."""
        return any(c.created or c.updated or c.removed for c in self.counts.values())

    def __str__(self) -> str:
        lines = ["dry run, nothing written:"] if self.dry_run else []
        for kind, c in self.counts.items():
            text = f"{kind}: {c.created} created, {c.updated} updated"
            if kind in _REMOVABLE:
                text += f", {c.removed} removed"
            lines.append(text)
        return "\n".join(lines)


def provision_file(url: str, path: Path, dry_run: bool = False) -> ProvisionSummary:
    """Apply the provisioning file at ``path`` to the (migrated) database at ``url``.

    Raises ``ProvisionError`` for any problem; then nothing is changed. With ``dry_run``
    everything is checked and counted, and the transaction is rolled back.
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProvisionError(f"{path}: cannot read the file: {exc}") from None
    spec, source = load_spec(text, name)
    summary = ProvisionSummary(dry_run=dry_run)
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("tenants"):
            raise ProvisionError(f"{url}: the database is not set up; run `helin setup` first")
        with session_factory(engine)() as session:
            try:
                applier = Applier(session, spec, summary)
                applier.run()
                _raise_problems(name, source, applier.problems)
                session.flush()
            except SQLAlchemyError as exc:
                session.rollback()
                detail = getattr(exc, "orig", None) or exc
                raise ProvisionError(f"{name}: the database refused the change: {detail}") from None
            except BaseException:
                session.rollback()
                raise
            if dry_run:
                session.rollback()
            else:
                session.commit()
    finally:
        engine.dispose()
    return summary


def load_spec(text: str, name: str = "provision.yaml") -> tuple[ProvisionSpec, Source]:
    """Parse and validate a provisioning document; ``ProvisionError`` names every problem."""
    try:
        source = parse(text)
    except SourceError as exc:
        raise ProvisionError(f"{name}:{exc.line}: {exc.message}") from None
    if source.data is None:
        raise ProvisionError(f"{name}:1: the file is empty")
    if not isinstance(source.data, dict):
        raise ProvisionError(f"{name}:1: the file must be a mapping with tenants, trunks, ...")
    problems: list[Problem] = []
    spec: ProvisionSpec | None = None
    try:
        spec = ProvisionSpec.model_validate(source.data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if part != "[key]")
            problems.append(Problem(loc, describe(error)))
    if spec is not None:
        problems.extend(duplicates(spec, source.line))
    _raise_problems(name, source, problems)
    assert spec is not None
    return spec, source


def _raise_problems(name: str, source: Source, problems: list[Problem]) -> None:
    if not problems:
        return
    ordered = sorted(problems, key=lambda p: source.line(p.path))
    lines = [f"{name}:{source.line(p.path)}: {format_path(p.path)}: {p.message}" for p in ordered]
    raise ProvisionError("\n".join(lines), lines)


def duplicates(
    spec: ProvisionSpec, line_of: Callable[[tuple[str | int, ...]], int]
) -> Iterator[Problem]:
    """Names the file gives twice (a second use names the line of the first)."""
    seen: dict[tuple[str, str], tuple[str | int, ...]] = {}

    def claim(space: str, value: str, path: tuple[str | int, ...], what: str) -> Problem | None:
        first = seen.setdefault((space, value), path)
        if first == path:
            return None
        return Problem(path, f"{what} {value!r} is already used at line {line_of(first)}")

    found: list[Problem | None] = []
    for i, operator in enumerate(spec.operators):
        found.append(claim("user", operator.username, ("operators", i, "username"), "username"))
    for i, trunk in enumerate(spec.trunks):
        found.append(claim("trunk", trunk.name, ("trunks", i, "name"), "trunk name"))
    for t, tenant in enumerate(spec.tenants):
        at = ("tenants", t)
        found.append(claim("tenant", tenant.name, (*at, "name"), "tenant name"))
        found.append(claim("domain", tenant.sip_domain, (*at, "sip_domain"), "sip_domain"))
        for u, user in enumerate(tenant.users):
            found.append(claim("user", user.username, (*at, "users", u, "username"), "username"))
            for n, number in enumerate(user.numbers):
                found.append(claim("number", number, (*at, "users", u, "numbers", n), "number"))
            for d, device in enumerate(user.devices):
                where = (*at, "users", u, "devices", d, "sip_username")
                found.append(claim("device", device.sip_username, where, "sip_username"))
        for g, group in enumerate(tenant.groups):
            gat = (*at, "groups", g)
            found.append(claim(f"group:{t}", group.name, (*gat, "name"), "group name"))
            for n, number in enumerate(group.numbers):
                found.append(claim("number", number, (*gat, "numbers", n), "number"))
            for m, member in enumerate(group.members):
                where = (*gat, "members", m, "user")
                found.append(claim(f"member:{t}:{g}", member.user, where, "member"))
    yield from (problem for problem in found if problem is not None)
