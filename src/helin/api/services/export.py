"""Tables as files: CSV (UTF-8, a header row) and XLSX (openpyxl, typed cells), for every
view that exports (statistics, the call log, the agent log).

A view describes its table once (``Table``: typed ``Column``s and rows of plain values) and
gets both files from it; the cell types are what make a spreadsheet useful: numbers stay
numbers, times are dates with times (in the view's time zone, which its notes name),
durations are durations (``[h]:mm:ss``) and rates percentages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    TIME = "time"
    """An aware datetime: ISO 8601 with its offset in CSV, a local date and time in XLSX."""
    SECONDS = "seconds"
    """A duration in seconds: a number in CSV, a duration cell in XLSX."""
    PERCENT = "percent"
    """A rate from 0 to 1."""


FORMATS = {Kind.TIME: "yyyy-mm-dd hh:mm:ss", Kind.SECONDS: "[h]:mm:ss", Kind.PERCENT: "0.0%"}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    """The sheet's name in XLSX."""
    columns: list[Column]
    rows: Sequence[Sequence[object]]
    notes: Sequence[Sequence[object]] = field(default_factory=list)
    """Lines below the rows (how the figures were made, the time zone)."""


def csv_text(value: object) -> object:
    """A cell as CSV writes it: '' for None, ISO 8601 for a time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def as_csv(tables: Sequence[Table]) -> str:
    """Each table's header and rows, the tables one after another with a blank line between
    them, and all the notes at the end."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow([c.name for c in table.columns])
        for row in table.rows:
            writer.writerow([csv_text(v) for v in row])
    notes = [note for table in tables for note in table.notes]
    if notes:
        writer.writerow([])
        for note in notes:
            writer.writerow([csv_text(v) for v in note])
    return out.getvalue()


def excel_value(kind: Kind, value: object) -> object:
    """A cell's value as openpyxl should write it for a column of ``kind``."""
    if value is None:
        return None
    if kind is Kind.SECONDS and isinstance(value, int | float):
        return timedelta(seconds=float(value))
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: the local time
    return value


def append(sheet: Worksheet, columns: Sequence[Column], values: Sequence[object]) -> None:
    """One row of typed cells (``excel_value``, ``FORMATS``), made as cells and appended
    whole (looking the row up again, ``max_row``, costs a scan of the sheet per row)."""
    sheet.append([typed(sheet, c.kind, v) for c, v in zip(columns, values, strict=False)])


def typed(sheet: Worksheet, kind: Kind, value: object) -> Cell:
    """A cell of ``sheet`` holding ``value`` as a column of ``kind`` shows it."""
    written: Any = excel_value(kind, value)  # append() gives the cell its row and column
    cell = Cell(sheet, value=written)  # type: ignore[call-arg]
    if kind in FORMATS and isinstance(value, datetime | int | float):
        cell.number_format = FORMATS[kind]
    return cell


def as_xlsx(tables: Sequence[Table]) -> bytes:
    """A workbook with a sheet per table: a frozen header row, typed rows, the notes below."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table in tables:
        sheet = book.create_sheet(sheet_name(table.title, book.sheetnames))
        sheet.append([c.name for c in table.columns])
        sheet.freeze_panes = "A2"
        for row in table.rows:
            append(sheet, table.columns, row)
        if table.notes:
            sheet.append([])
            for note in table.notes:
                sheet.append([excel_value(Kind.TEXT, v) for v in note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(name: str, taken: list[str], fallback: str = "sheet") -> str:
    r"""A sheet name Excel accepts: at most 31 characters, none of []:*?/\, unique."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)[:31] or fallback
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return candidate
