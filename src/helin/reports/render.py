"""A report ``Document`` as a file: PDF (ReportLab: a title, the method, a chart and a table
per section, page numbers), XLSX or CSV (``api.services.export``: typed cells, a header row).

The PDF embeds Bitstream Vera, the TrueType font ReportLab ships with, so Estonian letters
(õ, š, ž) and the formulas' symbols print without any font on the machine. Every cell is
formatted from the same values the spreadsheet gets.
"""

from __future__ import annotations

import functools
import io
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from helin.api.services import export
from helin.api.services.export import Kind
from helin.reports.catalog import MEDIA_TYPES, Format
from helin.reports.content import Chart, Document, Section
from helin.reports.words import words

FONT, BOLD = "HelinVera", "HelinVeraBold"
INK = colors.Color(0.13, 0.13, 0.13)
GREY = colors.Color(0.45, 0.45, 0.45)
BAR = colors.Color(0.29, 0.47, 0.75)
LINE = colors.Color(0.86, 0.43, 0.12)
MARK = colors.Color(1.0, 0.87, 0.87)
HEAD = colors.Color(0.88, 0.9, 0.94)
PDF_COLUMNS = 13
"""The most columns a PDF table shows (a list report's first ones; the spreadsheet has all)."""
PDF_ROWS = 2000
"""The most rows a PDF table shows (a list of calls; the spreadsheet and CSV have all)."""


@functools.cache
def _fonts() -> None:
    folder = Path(rl_config.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "VeraBd.ttf")))


MISSING = {"Σ": "sum of"}
"""What Vera has no glyph for, as the PDF spells it (the spreadsheets keep the symbol)."""


def printable(text: str) -> str:
    """``text`` escaped for a ReportLab paragraph, in letters the embedded font has."""
    for symbol, words_for in MISSING.items():
        text = text.replace(symbol, words_for)
    return escape(text)


def render(document: Document, form: Format) -> bytes:
    if form is Format.PDF:
        return pdf(document)
    about: list[list[object]] = [
        [document.title],
        [document.tenant],
        [document.period, document.timezone],
        *([line] for line in document.lines),  # type: ignore[list-item]
    ]
    tables = [section.table for section in document.sections]
    if form is Format.XLSX:  # every sheet says what it is and how it was computed
        return export.as_xlsx([replace(t, notes=[*t.notes, *about]) for t in tables])
    if tables:
        tables[0] = replace(tables[0], notes=[*about, *tables[0].notes])
    return export.as_csv(tables).encode()


def file_name(document: Document, form: Format) -> str:
    stem = f"{document.kind.value}-{document.period.replace(' – ', '_')}"
    return f"{stem}.{form.value}"


def media_type(form: Format) -> str:
    return MEDIA_TYPES[form]


def cell(kind: Kind, value: object) -> str:
    """A value as the PDF prints it."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "×" if value else ""
    if kind is Kind.PERCENT and isinstance(value, int | float):
        return f"{100 * value:.1f}%"
    if kind is Kind.SECONDS and isinstance(value, int | float):
        whole = round(value)
        hours, rest = divmod(whole, 3600)
        return (
            f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
            if hours
            else f"{rest // 60}:{rest % 60:02d}"
        )
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _chart(chart: Chart, width: float, height: float) -> Drawing:
    """Bars (left axis) and a rate line with its target (right axis, 0-100%)."""
    drawing = Drawing(width, height)
    left, right, top, bottom = 12 * mm, 12 * mm, 8 * mm, 8 * mm
    w, h = width - left - right, height - top - bottom
    peak = max([*chart.bars, 1.0])
    step = _step(peak)
    scale = step * -(-peak // step)
    value = 0.0
    while value <= scale:
        y = bottom + h * value / scale
        drawing.add(
            Line(left, y, left + w, y, strokeColor=colors.Color(0.85, 0.85, 0.85), strokeWidth=0.4)
        )
        drawing.add(
            String(left - 2, y - 2, f"{value:g}", fontName=FONT, fontSize=6, textAnchor="end")
        )
        value += step
    for percent in range(0, 101, 20):
        y = bottom + h * percent / 100
        drawing.add(
            String(left + w + 2, y - 2, f"{percent}%", fontName=FONT, fontSize=6, fillColor=LINE)
        )
    slot = w / max(1, len(chart.bars))
    every = max(1, len(chart.labels) // 24)
    points: list[float] = []
    for index, (bar, rate) in enumerate(zip(chart.bars, chart.line, strict=True)):
        x = left + index * slot
        drawing.add(_box(x + slot * 0.15, bottom, slot * 0.7, h * bar / scale))
        if index % every == 0:
            drawing.add(
                String(
                    x + slot / 2,
                    bottom - 8,
                    chart.labels[index],
                    fontName=FONT,
                    fontSize=5.5,
                    textAnchor="middle",
                )
            )
        if rate is not None:
            points += [x + slot / 2, bottom + h * rate]
    if chart.target is not None:
        y = bottom + h * chart.target
        drawing.add(
            Line(left, y, left + w, y, strokeColor=LINE, strokeWidth=0.8, strokeDashArray=[3, 2.5])
        )
    if len(points) >= 4:
        drawing.add(PolyLine(points, strokeColor=LINE, strokeWidth=1.4))
    for i in range(0, len(points), 2):
        drawing.add(Circle(points[i], points[i + 1], 0.8 * mm, fillColor=LINE, strokeColor=None))
    drawing.add(Line(left, bottom, left + w, bottom, strokeColor=INK, strokeWidth=0.6))
    legend = height - 4
    drawing.add(_box(left, legend - 0.5, 7, 5))
    drawing.add(String(left + 10, legend, chart.bar_name, fontName=FONT, fontSize=7))
    drawing.add(
        Line(left + 70, legend + 2, left + 82, legend + 2, strokeColor=LINE, strokeWidth=1.4)
    )
    drawing.add(String(left + 85, legend, chart.line_name, fontName=FONT, fontSize=7))
    if chart.target is not None:
        drawing.add(
            Line(
                left + 170,
                legend + 2,
                left + 182,
                legend + 2,
                strokeColor=LINE,
                strokeWidth=0.8,
                strokeDashArray=[3, 2.5],
            )
        )
        drawing.add(String(left + 185, legend, f"{chart.target:.0%}", fontName=FONT, fontSize=7))
    return drawing


def _box(x: float, y: float, width: float, height: float) -> Rect:
    box = Rect(x, y, width, height)
    box.fillColor, box.strokeColor = BAR, None
    return box


def _step(peak: float) -> float:
    """A round grid step giving four to ten lines up to ``peak``."""
    step = 1.0
    while peak / step > 10:
        for factor in (2, 2.5, 2):
            step *= factor
            if peak / step <= 10:
                break
    return step


def _table(section: Section, width: float) -> Table:
    table = section.table
    columns = table.columns[:PDF_COLUMNS]
    head = [
        Paragraph(
            printable(c.name), _style("head" if c.kind is Kind.TEXT or not i else "head_right")
        )
        for i, c in enumerate(columns)
    ]
    rows = [
        [cell(c.kind, v) for c, v in zip(columns, row, strict=False)]
        for row in table.rows[:PDF_ROWS]
    ]
    first = 30 * mm if columns[0].kind is Kind.TIME or columns[0].kind is Kind.TEXT else 18 * mm
    rest = (width - first) / max(1, len(columns) - 1)
    style: list[Any] = [
        ("FONT", (0, 0), (-1, -1), FONT, 7),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.Color(0.7, 0.7, 0.7)),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    text = [i for i, c in enumerate(columns) if c.kind is Kind.TEXT and i]
    for index in text:
        style.append(("ALIGN", (index, 1), (index, -1), "LEFT"))
    for index in section.marked:
        style.append(("BACKGROUND", (0, index + 1), (-1, index + 1), MARK))
    if rows and isinstance(table.rows[-1][0], str) and columns[0].kind is Kind.TIME:
        style.append(("FONT", (0, len(rows)), (-1, len(rows)), BOLD, 7))  # the total
    return Table(
        [head, *rows],
        colWidths=[first] + [rest] * (len(columns) - 1),
        repeatRows=1,
        style=TableStyle(style),
    )


@functools.cache
def _style(name: str) -> ParagraphStyle:
    sizes = {
        "title": (16, BOLD, INK),
        "sub": (10, FONT, INK),
        "line": (7.5, FONT, GREY),
        "h2": (11, BOLD, INK),
        "head": (6.5, BOLD, INK),
        "note": (7, FONT, GREY),
    }
    right = name.endswith("_right")
    size, font, colour = sizes[name.removesuffix("_right")]
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=size * 1.3,
        textColor=colour,
        alignment=2 if right else 0,
    )


def pdf(document: Document) -> bytes:
    """The report on A4 pages (landscape where a table is wide), numbered."""
    _fonts()
    w = words(document.language)
    wide = any(len(s.table.columns) > 8 for s in document.sections)
    size = landscape(A4) if wide else A4
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=size,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"{document.title} {document.period}",
        author="helin",
    )
    width = size[0] - 24 * mm
    story: list[Flowable] = [
        Paragraph(printable(document.title), _style("title")),
        Paragraph(
            printable(
                f"{document.tenant} · {w['period']} {document.period}"
                f" · {w['zone']} {document.timezone}"
            ),
            _style("sub"),
        ),
        *(Paragraph(printable(line), _style("line")) for line in document.lines),
        Spacer(1, 3 * mm),
    ]
    for section in document.sections:
        heading = [Paragraph(printable(section.heading), _style("h2")), Spacer(1, 1.5 * mm)]
        if section.chart is not None and section.chart.bars:
            heading.append(_chart(section.chart, width, 60 * mm))
        if not section.table.rows:
            story += [KeepTogether(heading), Paragraph(printable(w["none"]), _style("note"))]
            continue
        story += [KeepTogether(heading), Spacer(1, 2 * mm), _table(section, width)]
        if len(section.table.rows) > PDF_ROWS:
            shown = w["pdf_rows"].format(n=PDF_ROWS, m=len(section.table.rows))
            story.append(Paragraph(printable(shown), _style("note")))
        for note in [*section.notes, *(" ".join(str(v) for v in n) for n in section.table.notes)]:
            story.append(Paragraph(printable(note), _style("note")))
        story.append(Spacer(1, 5 * mm))
    footer = f"helin · {document.tenant} · {document.title} · "
    maker = functools.partial(_Numbered, footer=footer, page=w["page"], right=size[0] - 12 * mm)
    template.build(story, canvasmaker=maker)
    return out.getvalue()


class _Numbered(Canvas):
    """A canvas that holds its pages back until it knows how many there are, then prints
    "page n of m" at the foot of each."""

    def __init__(self, *args: Any, footer: str, page: str, right: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._footer, self._page, self._right = footer, page, right

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 7)
            self.setFillColor(GREY)
            number = self._page.format(n=self.getPageNumber(), m=total)
            self.drawRightString(self._right, 7 * mm, self._footer + number)
            super().showPage()
        super().save()
