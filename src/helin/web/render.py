"""How a page is rendered, and for whom: the signed-in viewer, the templates with the
viewer's language, the security headers every page carries, and the static files.

A page that needs a right it does not find sends its viewer home (or to ``/login``); a part
of a page (``.../part``), fetched by a script, answers 401 or 403 instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from helin.api.deps import context
from helin.api.services.errors import ServiceError
from helin.api.services.security import Principal, authenticate, csrf_token, may_manage
from helin.web import i18n

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; media-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Sent with every page and part."""

ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("helin.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
STATIC = resources.files("helin.web").joinpath("static")
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
STATIC_FILES = frozenset(
    entry.name
    for entry in STATIC.iterdir()
    if entry.is_file() and any(entry.name.endswith(ext) for ext in TYPES)
)
"""The only files ``/static/`` serves (no path from a request reaches the file system)."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user a page is rendered for."""

    me: Principal
    csrf: str
    """The session's CSRF token, for the page's scripts (empty for a bearer token)."""

    @property
    def home(self) -> str:
        """Where the viewer starts: the page of their highest right."""
        if self.me.manager:
            return "/manager"
        if self.me.tenant_admin:
            return "/admin"
        if self.me.operator:
            return "/operator"
        if self.me.agent:
            return "/agent"
        return "/home"


def viewer_of(request: Request) -> Viewer | None:
    """Who is signed in with the request's session cookie (or bearer token), if anyone."""
    ctx = context(request)
    try:
        me = authenticate(ctx, request.headers, request.cookies, "GET")
    except ServiceError:
        return None
    return Viewer(me, csrf_token(ctx, me))


def language(request: Request) -> str:
    """The language to render in (``i18n.choose``)."""
    return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("Accept-Language"))


def page(
    request: Request, template: str, viewer: Viewer | None, *, status: int = 200, **values: Any
) -> HTMLResponse:
    """The ``template`` rendered for ``viewer`` in their language, with the headers."""
    chosen = language(request)
    html = ENV.get_template(template).render(
        t=i18n.Translator(chosen),
        lang=chosen,
        languages=[(code, i18n.catalogue(code)["lang.name"]) for code in i18n.LANGUAGES],
        strings=i18n.catalogue(chosen),
        viewer=viewer,
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status, headers=HEADERS)


def to_login(request: Request) -> RedirectResponse:
    """To the sign-in page, and back here after it."""
    return RedirectResponse(f"/login?next={quote(request.url.path)}", 303, headers=HEADERS)


def signed_in_part(request: Request) -> Viewer:
    """The viewer of a page part; 401 without a session (the script then goes to /login)."""
    viewer = viewer_of(request)
    if viewer is None:
        raise HTTPException(401, "sign in first")
    return viewer


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def manager(request: Request) -> Viewer | Response:
    """The viewer of a manager's page, or where to send anyone else."""
    viewer = viewer_of(request)
    if viewer is None:
        return to_login(request)
    if not may_manage(viewer.me):
        return RedirectResponse(viewer.home, 303, headers=HEADERS)
    return viewer


def tenant_admin(request: Request) -> Viewer | Response:
    """The viewer of a tenant admin's page, or where to send anyone else."""
    viewer = viewer_of(request)
    if viewer is None:
        return to_login(request)
    if not (viewer.me.tenant_admin and viewer.me.tenant_id is not None):
        return RedirectResponse(viewer.home, 303, headers=HEADERS)
    return viewer
