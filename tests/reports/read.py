"""Reading a report's files back: the attachments of a message, an XLSX sheet's rows by its
header, a PDF's text."""

from __future__ import annotations

import io
from email.message import EmailMessage
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader


def attachments(message: EmailMessage) -> dict[str, Any]:
    """Each attachment by file name: bytes, or text for a text part (CSV)."""
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def xlsx_rows(data: bytes, sheet: str) -> list[dict[str, Any]]:
    """The sheet's rows under its header (the first row), each by column name, until the
    first empty row (the notes follow it)."""
    rows = list(load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True))
    header, out = rows[0], []
    for row in rows[1:]:
        if all(value is None for value in row):
            break
        out.append(dict(zip(header, row, strict=False)))
    return out


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
