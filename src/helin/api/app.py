"""The FastAPI application: routes, error shapes, OpenAPI."""

from __future__ import annotations

from fastapi import FastAPI

from helin import __version__
from helin.api import (
    routes_admin,
    routes_agent,
    routes_auth,
    routes_clips,
    routes_groups,
    routes_history,
    routes_live,
)
from helin.api.context import ApiContext
from helin.api.throttle import LoginThrottle
from helin.web import routes as web_routes


def create_app(context: ApiContext) -> FastAPI:
    app = FastAPI(
        title="helin",
        version=__version__,
        summary="Call-center server: groups, agents, calls.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.context = context
    app.state.throttle = LoginThrottle(context.signin)
    app.include_router(routes_auth.router)
    app.include_router(routes_agent.router)
    app.include_router(routes_groups.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_live.router)
    app.include_router(routes_clips.router)
    app.include_router(routes_history.router)
    app.include_router(web_routes.router)
    return app
