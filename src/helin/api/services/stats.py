"""Group statistics for managers: figures per period from the rollups, and as CSV.

Every figure comes from ``helin.stats.figures`` over counts summed from the rollups
(``store.stats.series``); a group's total is computed from the summed counts of the whole
range, never averaged from its periods. The method (service-level formula, T, short-abandon
threshold, target) travels with every answer.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields
from datetime import date

from openpyxl import Workbook
from sqlalchemy.orm import Session

from helin.api.context import ApiContext
from helin.api.schemas.stats import (
    CodeCountPublic,
    DispositionStatsPublic,
    FiguresPublic,
    GroupCodesPublic,
    GroupStatsPublic,
    MethodPublic,
    PeriodPublic,
    StatsPublic,
)
from helin.api.services import export
from helin.api.services.errors import Forbidden, Invalid
from helin.api.services.groups import managed_group
from helin.api.services.security import Principal, may_manage
from helin.stats.figures import GroupFigures, Method, group_figures
from helin.stats.metrics import THRESHOLDS, GroupCounts, SlFormula
from helin.stats.rollup import Period
from helin.store import groups
from helin.store.stats import dispositions
from helin.store.stats.series import Slice, series_of
from helin.store.tables import Group

MAX_DAYS = {
    Period.QUARTER: 31,
    Period.HOUR: 92,
    Period.DAY: 3 * 366,
    Period.WEEK: 3 * 366,
    Period.MONTH: 10 * 366,
}
"""The longest range each interval may cover (a view stays readable and fast)."""
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
"""The dates a range may use: a time zone's shift at the calendar's ends cannot overflow."""


@dataclass(frozen=True, slots=True)
class StatsQuery:
    group_ids: list[int]
    """Empty: every group of the company."""
    since: date
    until: date
    interval: Period = Period.HOUR
    threshold: int | None = None
    """None: each group's own T."""
    formula: SlFormula = SlFormula.OFFERED
    weekdays: frozenset[int] = frozenset(range(1, 8))
    """ISO weekdays (1 is Monday)."""
    hours: tuple[int, int] = (0, 24)


def check_range(query: StatsQuery) -> Slice:
    problems: list[tuple[tuple[str | int, ...], str]] = [
        (("query", name), f"a date from {EARLIEST} to {LATEST}")
        for name, day in (("since", query.since), ("until", query.until))
        if not EARLIEST <= day <= LATEST
    ]
    if problems:
        raise Invalid.at(*problems)
    if query.until < query.since:
        problems.append((("query", "until"), "must not be before since"))
    elif (query.until - query.since).days + 1 > MAX_DAYS[query.interval]:
        limit = MAX_DAYS[query.interval]
        problems.append(
            (
                ("query", "until"),
                f"at most {limit} days by {query.interval.value}; pick a longer interval",
            )
        )
    if query.threshold is not None and query.threshold not in THRESHOLDS:
        problems.append(
            (("query", "threshold"), f"one of {', '.join(map(str, THRESHOLDS))} seconds")
        )
    if not query.weekdays or not query.weekdays <= set(range(1, 8)):
        problems.append((("query", "weekdays"), "ISO weekdays 1 (Monday) to 7 (Sunday)"))
    start, end = query.hours
    if not 0 <= start < end <= 24:
        problems.append((("query", "hours"), "FROM-TO with 0 <= FROM < TO <= 24"))
    if problems:
        raise Invalid.at(*problems)
    return Slice(
        query.since,
        query.until,
        frozenset(day - 1 for day in query.weekdays),
        query.hours,
    )


def _public(figures: GroupFigures) -> FiguresPublic:
    return FiguresPublic(**figures.as_dict())


def _chosen(session: Session, me: Principal, query: StatsQuery) -> list[Group]:
    """The groups a view asks for (``NotFound`` for one not managed), or all of them."""
    assert me.tenant_id is not None
    if query.group_ids:
        return [managed_group(session, me, group_id) for group_id in query.group_ids]
    return groups.in_tenant(session, me.tenant_id)


def disposition_stats(ctx: ApiContext, me: Principal, query: StatsQuery) -> DispositionStatsPublic:
    """Each group's answered calls by disposition code over whole days of the range."""
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("statistics are for managers")
    view = check_range(query)
    out = []
    with ctx.sessions() as session:
        chosen = _chosen(session, me, query)
        for group in chosen:
            counts = dispositions.by_code(session, group, view.first, view.last)
            out.append(
                GroupCodesPublic(
                    group_id=group.id,
                    group_name=group.name,
                    answered=sum(c.calls for c in counts),
                    codes=[
                        CodeCountPublic(
                            disposition_id=c.disposition_id, code=c.code, name=c.name, calls=c.calls
                        )
                        for c in counts
                    ],
                )
            )
    return DispositionStatsPublic(since=query.since, until=query.until, groups=out)


def group_stats(ctx: ApiContext, me: Principal, query: StatsQuery) -> StatsPublic:
    """Each group's figures per period of its own time zone, and over the whole range."""
    if not may_manage(me) or me.tenant_id is None:
        raise Forbidden("statistics are for managers")
    view = check_range(query)
    out = []
    with ctx.sessions() as session:
        chosen = _chosen(session, me, query)
        found = series_of(session, [(g.id, g.timezone) for g in chosen], view, query.interval)
        for group in chosen:
            method = Method(
                threshold=query.threshold or group.service_level_threshold,
                formula=query.formula,
                short_abandon=group.short_abandon,
                target=group.service_level_target,
            )
            total, seconds = GroupCounts(), 0.0
            periods = []
            for row in found[group.id]:
                total, seconds = total + row.counts, seconds + row.seconds
                figures = group_figures(row.counts, row.seconds, method)
                periods.append(
                    PeriodPublic(start=row.start, seconds=row.seconds, **figures.as_dict())
                )
            out.append(
                GroupStatsPublic(
                    group_id=group.id,
                    name=group.name,
                    timezone=group.timezone,
                    method=MethodPublic(**method.describe()),
                    periods=periods,
                    total=_public(group_figures(total, seconds, method)),
                )
            )
    return StatsPublic(
        since=query.since,
        until=query.until,
        interval=query.interval.value,
        weekdays=sorted(query.weekdays),
        hours=list(query.hours),
        groups=out,
    )


FIGURE_COLUMNS = [f.name for f in fields(GroupFigures)]


def as_csv(stats: StatsPublic) -> str:
    """One row per group and period (UTF-8, a header row), then the method of each group."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "start", "seconds", *FIGURE_COLUMNS])
    for group in stats.groups:
        for period in group.periods:
            values = period.model_dump()
            writer.writerow(
                [group.name, period.start.isoformat(), period.seconds]
                + [export.csv_text(values[name]) for name in FIGURE_COLUMNS]
            )
        totals = group.total.model_dump()
        writer.writerow(
            [group.name, "total", ""] + [export.csv_text(totals[n]) for n in FIGURE_COLUMNS]
        )
    writer.writerow([])
    for group in stats.groups:
        m = group.method
        writer.writerow(
            [
                group.name,
                f"service level = {m.service_level_formula}",
                f"T = {m.threshold_seconds} s",
                f"short abandon < {m.short_abandon_seconds:g} s",
                f"target {m.target:.0%}",
                f"time zone {group.timezone}",
            ]
        )
    return out.getvalue()


RATES = {"answer_rate", "abandon_rate", "service_level"}
SECONDS = {"asa", "average_abandon_time", "longest_wait", "aht"}
"""Figures written as durations (a spreadsheet's time of day: days, shown as h:mm:ss)."""


def _kind(name: str) -> export.Kind:
    if name in RATES:
        return export.Kind.PERCENT
    return export.Kind.SECONDS if name in SECONDS else export.Kind.NUMBER


def as_xlsx(stats: StatsPublic) -> bytes:
    """A workbook with a sheet per group: a frozen header row, then a row per period and the
    total, with typed cells (numbers as numbers, rates as percentages, waits and handle
    times as durations, the period's start as a date and time), and the method below."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for group in stats.groups:
        sheet = book.create_sheet(export.sheet_name(group.name, book.sheetnames, "group"))
        sheet.append(["start", "utc_offset", "seconds", *FIGURE_COLUMNS])
        sheet.freeze_panes = "A2"
        rows: list[tuple[object, str | None, float | None, dict[str, object]]] = [
            (p.start.replace(tzinfo=None), p.start.strftime("%z"), p.seconds, p.model_dump())
            for p in group.periods
        ]
        rows.append(("total", None, None, group.total.model_dump()))
        for start, offset, seconds, values in rows:
            first = export.typed(sheet, export.Kind.TEXT, start)
            if not isinstance(start, str):
                first.number_format = "yyyy-mm-dd hh:mm"
            figures = [export.typed(sheet, _kind(n), values[n]) for n in FIGURE_COLUMNS]
            sheet.append([first, offset, seconds, *figures])
        m = group.method
        sheet.append([])
        sheet.append(["service level", m.service_level_formula])
        sheet.append(["T (seconds)", m.threshold_seconds])
        sheet.append(["short abandon under (seconds)", m.short_abandon_seconds])
        sheet.append(["target", m.target])
        sheet.append(["time zone", group.timezone])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
