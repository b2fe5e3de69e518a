"""helin's HTTP side in one application: the JSON API under ``/api/v1`` and the web app's
pages beside it. The only module that imports both ``helin.api`` and ``helin.web``."""

from __future__ import annotations

from fastapi import FastAPI

from helin.api.app import create_api
from helin.api.context import ApiContext
from helin.web.calllog import router as calllog_pages
from helin.web.recordings import router as recording_pages
from helin.web.reports import router as report_pages
from helin.web.routes import router as pages
from helin.web.stats import router as stats_pages


def create_app(context: ApiContext) -> FastAPI:
    """The API (with its OpenAPI description) and the pages, served by one uvicorn."""
    app = create_api(context)
    app.include_router(pages)
    app.include_router(stats_pages)
    app.include_router(calllog_pages)
    app.include_router(recording_pages)
    app.include_router(report_pages)
    return app
