"""The typed dependencies every route declares: its context, who is asking, path ids.

``ContextDep`` is the ``ApiContext`` the application was built with (the store's sessions,
the running switch, the clock). ``CurrentUser`` is the signed-in ``Principal`` (401 without a
valid session or token, 403 for a session's change without its CSRF token); ``TenantAdmin``
and ``Operator`` also need that right (403), checked before the body is read, so a refused
request is told 403 whatever it sent. There is no session dependency: the services open their
own transactions, because they commit before telling the running switch what changed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from helin.api.context import ApiContext
from helin.api.schemas.common import MAX_ROW_ID
from helin.api.services import security
from helin.api.services.security import Principal
from helin.api.throttle import LoginThrottle


def context(request: Request) -> ApiContext:
    """The application's context (set by ``helin.api.app.create_api``)."""
    ctx: ApiContext = request.app.state.context
    return ctx


ContextDep = Annotated[ApiContext, Depends(context)]


def current_user(request: Request, ctx: ContextDep) -> Principal:
    """Who sent the request (``security.authenticate``)."""
    return security.authenticate(ctx, request.headers, request.cookies, request.method)


CurrentUser = Annotated[Principal, Depends(current_user)]


def tenant_admin(me: CurrentUser) -> Principal:
    """The signed-in tenant admin (403 for anyone else)."""
    return security.tenant_admin(me)


def operator(me: CurrentUser) -> Principal:
    """The signed-in operator (403 for anyone else)."""
    return security.operator(me)


TenantAdmin = Annotated[Principal, Depends(tenant_admin)]
Operator = Annotated[Principal, Depends(operator)]


def throttle(request: Request) -> LoginThrottle:
    """The application's sign-in throttle (one per application, in memory)."""
    found: LoginThrottle = request.app.state.throttle
    return found


ThrottleDep = Annotated[LoginThrottle, Depends(throttle)]

RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a row id")]
"""A path parameter naming a row: a positive 32-bit integer (beyond that nothing exists, and
the databases cannot even compare it)."""
