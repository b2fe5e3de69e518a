"""What a report shows: its tables and charts, made from the very services the API answers
with (``api.services.stats``, ``agent_stats``, ``history``), as the manager who ordered it,
so a report's figures are the web views' figures.

A ``Document`` is independent of the format: ``render`` turns it into PDF, XLSX or CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helin.acd.model import Outcome
from helin.api.context import ApiContext
from helin.api.schemas.stats import FiguresPublic, GroupStatsPublic, PeriodPublic
from helin.api.services import agent_stats, export, history, stats
from helin.api.services.export import Column, Kind
from helin.api.services.security import Principal
from helin.reports.catalog import ReportKind
from helin.reports.schedule import Span
from helin.reports.words import words
from helin.stats.metrics import FORMULAS, SlFormula
from helin.stats.rollup import Period
from helin.store.calls.history import CallFilter

CALL_LIMIT = 20_000
"""The most calls a list report (abandoned calls, call detail) holds."""


@dataclass(frozen=True, slots=True)
class Request:
    """One report for one span of days, as an order asks for it."""

    kind: ReportKind
    span: Span
    timezone: str
    group_ids: tuple[int, ...] = ()
    """Empty: every group of the company."""
    interval: Period = Period.HOUR
    threshold: int | None = None
    formula: SlFormula = SlFormula.OFFERED
    language: str = "en"
    title: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    """Bars of a volume per period with a rate (0 to 1) drawn over them as a line."""

    labels: list[str]
    bars: list[float]
    bar_name: str
    line: list[float | None]
    line_name: str
    target: float | None = None


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    table: export.Table
    chart: Chart | None = None
    marked: frozenset[int] = frozenset()
    """Rows of the table to highlight (intervals under the target)."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Document:
    kind: ReportKind
    title: str
    tenant: str
    period: str
    """The days covered, as printed."""
    timezone: str
    lines: list[str]
    """How the figures were made (formulas, T, thresholds), printed under the title."""
    sections: list[Section]
    language: str


def build(ctx: ApiContext, me: Principal, tenant: str, request: Request) -> Document:
    """The report ``request`` asks for, with ``me``'s rights (Forbidden or NotFound as the
    API would answer them)."""
    w = words(request.language)
    makers = {
        ReportKind.GROUP_SUMMARY: _group_summary,
        ReportKind.SERVICE_LEVEL: _service_level,
        ReportKind.AGENT_ACTIVITY: _agent_activity,
        ReportKind.ABANDONED_CALLS: _abandoned,
        ReportKind.CALL_DETAIL: _call_detail,
    }
    lines, sections = makers[request.kind](ctx, me, request)
    return Document(
        kind=request.kind,
        title=request.title or w[request.kind],
        tenant=tenant,
        period=request.span.printed(),
        timezone=request.timezone,
        lines=lines,
        sections=sections,
        language=request.language,
    )


def _stats(ctx: ApiContext, me: Principal, request: Request) -> list[GroupStatsPublic]:
    query = stats.StatsQuery(
        group_ids=list(request.group_ids),
        since=request.span.first,
        until=request.span.last,
        interval=request.interval,
        threshold=request.threshold,
        formula=request.formula,
    )
    return stats.group_stats(ctx, me, query).groups


def _method_lines(groups: list[GroupStatsPublic], language: str) -> list[str]:
    """The method of each distinct (formula, T, short abandon, target), once."""
    w = words(language)
    seen: list[str] = []
    for group in groups:
        m = group.method
        line = (
            f"{w['sl']} = {m.service_level_formula}; {w['t']} = {m.threshold_seconds} s;"
            f" {w['short']} {m.short_abandon_seconds:g} s; {w['target']} {m.target:.0%}"
        )
        if len(groups) > 1 and len({g.method.model_dump_json() for g in groups}) > 1:
            line = f"{group.name}: {line}"
        if line not in seen:
            seen.append(line)
    figures = ("answer_rate", "abandon_rate", "asa", "aht")
    return [*seen, *(f"{w[name]} = {FORMULAS[name]}" for name in figures)]


def _label(start: datetime, interval: Period) -> str:
    if interval in (Period.QUARTER, Period.HOUR):
        return start.strftime("%H:%M") if start.hour or start.minute else start.strftime("%d.%m")
    if interval is Period.MONTH:
        return start.strftime("%m/%Y")
    return start.strftime("%d.%m")


SUMMARY = [
    ("offered", Kind.NUMBER),
    ("answered", Kind.NUMBER),
    ("abandoned", Kind.NUMBER),
    ("answer_rate", Kind.PERCENT),
    ("abandon_rate", Kind.PERCENT),
    ("service_level", Kind.PERCENT),
    ("asa", Kind.SECONDS),
    ("aht", Kind.SECONDS),
    ("longest_wait", Kind.SECONDS),
    ("overflowed_timeout", Kind.NUMBER),
    ("overflowed_full", Kind.NUMBER),
    ("overflowed_no_agents", Kind.NUMBER),
]
"""The group summary's figures (names of ``FiguresPublic``) in column order."""


def _name(w: dict[str, str], figure: str) -> str:
    """A figure's column heading (the service level is "sl": its name is a report's)."""
    return w["sl" if figure == "service_level" else figure]


def _figure_row(
    start: object, figures: PeriodPublic | FiguresPublic, names: list[tuple[str, Kind]]
) -> list[object]:
    values = figures.model_dump()
    return [start, *(values[name] for name, _ in names)]


def _chart(group: GroupStatsPublic, request: Request) -> Chart:
    w = words(request.language)
    return Chart(
        labels=[_label(p.start, request.interval) for p in group.periods],
        bars=[float(p.offered) for p in group.periods],
        bar_name=w["offered"],
        line=[p.service_level for p in group.periods],
        line_name=w["sl"],
        target=group.method.target,
    )


def _group_summary(
    ctx: ApiContext, me: Principal, request: Request
) -> tuple[list[str], list[Section]]:
    w = words(request.language)
    groups = _stats(ctx, me, request)
    columns = [Column(w["start"], Kind.TIME), *(Column(_name(w, n), k) for n, k in SUMMARY)]
    sections = []
    for group in groups:
        rows = [_figure_row(p.start, p, SUMMARY) for p in group.periods]
        rows.append(_figure_row(w["total"], group.total, SUMMARY))
        table = export.Table(group.name, columns, rows, [[w["zone"], group.timezone]])
        sections.append(Section(group.name, table, _chart(group, request)))
    return _method_lines(groups, request.language), sections


def _service_level(
    ctx: ApiContext, me: Principal, request: Request
) -> tuple[list[str], list[Section]]:
    w = words(request.language)
    groups = _stats(ctx, me, request)
    names = [
        ("offered", Kind.NUMBER),
        ("short_abandoned", Kind.NUMBER),
        ("answered", Kind.NUMBER),
        ("answered_within", Kind.NUMBER),
        ("service_level", Kind.PERCENT),
    ]
    sections = []
    for group in groups:
        target = group.method.target
        columns = [
            Column(w["start"], Kind.TIME),
            *(Column(_name(w, n), k) for n, k in names),
            Column(w["under"]),
        ]
        rows, marked = [], set()
        for index, p in enumerate(group.periods):
            under = p.service_level is not None and p.service_level < target
            if under:
                marked.add(index)
            rows.append([*_figure_row(p.start, p, names), "×" if under else ""])
        total = group.total
        under = total.service_level is not None and total.service_level < target
        rows.append([*_figure_row(w["total"], total, names), "×" if under else ""])
        if under:
            marked.add(len(rows) - 1)
        notes = [[w["zone"], group.timezone], [w["target"], f"{target:.0%}"]]
        table = export.Table(group.name, columns, rows, notes)
        sections.append(
            Section(group.name, table, _chart(group, request), frozenset(marked), [w["marked"]])
        )
    return _method_lines(groups, request.language), sections


AGENT = [
    ("logged_in", Kind.SECONDS),
    ("available", Kind.SECONDS),
    ("on_call", Kind.SECONDS),
    ("wrap_up", Kind.SECONDS),
    ("dnd", Kind.SECONDS),
    ("paused", Kind.SECONDS),
    ("answered", Kind.NUMBER),
    ("missed", Kind.NUMBER),
    ("aht", Kind.SECONDS),
    ("occupancy", Kind.PERCENT),
]


def _agent_activity(
    ctx: ApiContext, me: Principal, request: Request
) -> tuple[list[str], list[Section]]:
    w = words(request.language)
    range_ = stats.StatsQuery(
        group_ids=[], since=request.span.first, until=request.span.last, interval=Period.DAY
    )
    sections, formulas = [], {}
    for group_id in request.group_ids or (None,):
        found = agent_stats.agent_stats(ctx, me, agent_stats.AgentQuery(range_, group_id))
        columns = [Column(w["agent"]), *(Column(w[n], k) for n, k in AGENT)]
        rows = [[a.name, *(getattr(a.total, n) for n, _ in AGENT)] for a in found.agents]
        heading = found.group_name or w["all_groups"]
        notes = [[w["zone"], found.timezone]]
        sections.append(Section(heading, export.Table(heading, columns, rows, notes)))
        formulas = found.formulas
    noted = [f"{n}: {formulas[n]}" for n in agent_stats.FORMULA_NOTES if n in formulas]
    return noted, sections


def _window(request: Request) -> tuple[datetime, datetime]:
    zone = ZoneInfo(request.timezone)
    begin = datetime.combine(request.span.first, time(), zone).astimezone(UTC)
    end = datetime.combine(request.span.last + timedelta(days=1), time(), zone)
    return begin, end.astimezone(UTC)


def _calls(
    ctx: ApiContext, me: Principal, request: Request, outcome: Outcome | None
) -> list[export.Table]:
    since, until = _window(request)
    tables = []
    for group_id in request.group_ids or (None,):
        where = CallFilter(group_id=group_id, outcome=outcome, since=since, until=until)
        query = history.CallQuery(where=where, descending=False)
        tables.append(history.calls_table(ctx, me, query, limit=CALL_LIMIT))
    return tables


def _abandoned(ctx: ApiContext, me: Principal, request: Request) -> tuple[list[str], list[Section]]:
    w = words(request.language)
    columns = [
        Column(w["arrived"], Kind.TIME),
        Column(w["group"]),
        Column(w["caller"]),
        Column(w["wait"], Kind.SECONDS),
    ]
    rows: list[list[object]] = []
    for table in _calls(ctx, me, request, Outcome.ABANDONED):
        at = [
            [c.name for c in table.columns].index(n)
            for n in ("arrived_at", "group", "caller", "wait")
        ]
        rows += [[r[i] for i in at] for r in table.rows]
    rows.sort(key=lambda r: r[0].timestamp() if isinstance(r[0], datetime) else 0.0)
    table = export.Table(w[ReportKind.ABANDONED_CALLS], columns, rows)
    return [], [Section(f"{w['calls']}: {len(rows)}", table, notes=_limited(w, len(rows)))]


def _limited(w: dict[str, str], rows: int) -> list[str]:
    return [w["truncated"].format(n=CALL_LIMIT)] if rows >= CALL_LIMIT else []


def _call_detail(
    ctx: ApiContext, me: Principal, request: Request
) -> tuple[list[str], list[Section]]:
    w = words(request.language)
    sections = []
    for table in _calls(ctx, me, request, None):
        heading = f"{w['calls']}: {len(table.rows)}"
        sections.append(Section(heading, table, notes=_limited(w, len(table.rows))))
    return [], sections
