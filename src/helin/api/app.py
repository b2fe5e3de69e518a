"""The API's FastAPI application: its routes, the answers to refusals, OpenAPI.

``helin.http`` adds the web app's pages to it.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler

from helin import __version__
from helin.api.context import ApiContext
from helin.api.routes import (
    agent,
    auth,
    clips,
    devices,
    dispositions,
    groups,
    history,
    live,
    numbers,
    pauses,
    recordings,
    reports,
    stats,
    tenants,
    users,
)
from helin.api.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    NotSignedIn,
    ServiceError,
    TooManyAttempts,
)
from helin.api.services.recordings import StorageUnavailable
from helin.api.throttle import LoginThrottle

STATUS: dict[type[ServiceError], int] = {
    NotSignedIn: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
    TooManyAttempts: 429,
    StorageUnavailable: 503,
}
"""The HTTP status of each refusal a service raises."""


def http_error(exc: ServiceError) -> HTTPException:
    """The HTTP answer to a service's refusal."""
    status = next(STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS)
    headers = None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after)}
    return HTTPException(status, exc.detail, headers)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return await http_exception_handler(request, http_error(exc))


def create_api(context: ApiContext) -> FastAPI:
    """The API under ``/api/v1`` on the ``context`` its routes are given."""
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
    app.add_exception_handler(ServiceError, _refused)
    resources = (
        auth,
        agent,
        groups,
        numbers,
        tenants,
        users,
        devices,
        live,
        clips,
        history,
        stats,
        recordings,
        reports,
        pauses,
        dispositions,
    )
    for resource in resources:
        app.include_router(resource.router)
    return app
