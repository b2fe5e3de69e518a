"""Exports as downloads: the one way a route answers ``format=csv`` or ``format=xlsx``."""

from __future__ import annotations

from typing import Literal

from fastapi.responses import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Literal["json", "csv", "xlsx"]
EXPORTS: dict[int | str, dict[str, object]] = {200: {"content": {"text/csv": {}, XLSX: {}}}}
"""For a route's ``responses``: it may answer CSV and XLSX as well as JSON."""


def download(body: str | bytes, format: Literal["csv", "xlsx"], name: str) -> Response:
    """``body`` as an attachment called ``name.<format>``."""
    headers = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    if format == "csv":
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    return Response(body, media_type=XLSX, headers=headers)
