"""The web app's pages: server-rendered (Jinja2, everything escaped) on the API's own answers.

A page is rendered from the same functions the JSON API serves, called in-process as the
signed-in user, so a page never shows what that user's API calls would not. The pages' scripts
(``static/``, no inline script: the Content-Security-Policy forbids it) change things through
the JSON API with the session's CSRF token, which each page carries in a ``<meta>`` tag, and
follow live state through the WebSocket ``/api/v1/live/ws``. Parts of a page that change
(a group call log, the overview, a group's detail) are also served alone (``.../part``) so a
script can swap in a fresh rendering instead of building HTML itself.

Page routes are plain functions: FastAPI runs them in worker threads, from where the API's
functions reach the running switch (they block until helin's loop answers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from helin.acd.model import Policy
from helin.api.context import ApiContext
from helin.api.deps import RowId
from helin.api.services import agent, clips, devices, groups, live, numbers, tenants, users
from helin.api.services.errors import NotFound, ServiceError
from helin.api.services.security import Principal, authenticate, csrf_token, may_manage
from helin.store.admin import RIGHTS
from helin.store.enums import BUILTIN_CLIPS, ClipKind, DeviceKind
from helin.web import i18n, views

router = APIRouter(include_in_schema=False)

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

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("helin.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_STATIC = resources.files("helin.web").joinpath("static")
_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
STATIC_FILES = frozenset(
    entry.name
    for entry in _STATIC.iterdir()
    if entry.is_file() and any(entry.name.endswith(ext) for ext in _TYPES)
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
        if self.me.manager:
            return "/manager"
        if self.me.tenant_admin:
            return "/admin"
        if self.me.operator:
            return "/operator"
        if self.me.agent:
            return "/agent"
        return "/home"


def _context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.context
    return ctx


def _viewer(request: Request) -> Viewer | None:
    ctx = _context(request)
    try:
        me = authenticate(ctx, request.headers, request.cookies, "GET")
    except ServiceError:
        return None
    return Viewer(me, csrf_token(ctx, me))


def _language(request: Request) -> str:
    return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("Accept-Language"))


def _render(
    request: Request, template: str, viewer: Viewer | None, *, status: int = 200, **values: Any
) -> HTMLResponse:
    language = _language(request)
    html = _env.get_template(template).render(
        t=i18n.Translator(language),
        lang=language,
        languages=[(code, i18n.catalogue(code)["lang.name"]) for code in i18n.LANGUAGES],
        strings=i18n.catalogue(language),
        viewer=viewer,
        path=request.url.path,
        **values,
    )
    return HTMLResponse(html, status, headers=HEADERS)


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", 303, headers=HEADERS)


def _signed_in_part(request: Request) -> Viewer:
    """The viewer of a page part; 401 without a session (the script then goes to /login)."""
    viewer = _viewer(request)
    if viewer is None:
        raise HTTPException(401, "sign in first")
    return viewer


def _safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


@router.get("/")
def index(request: Request) -> Response:
    viewer = _viewer(request)
    if viewer is None:
        return RedirectResponse("/login", 303, headers=HEADERS)
    return RedirectResponse(viewer.home, 303, headers=HEADERS)


@router.get("/login")
def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    viewer = _viewer(request)
    target = _safe_next(next)
    if viewer is not None:
        return RedirectResponse(target or viewer.home, 303, headers=HEADERS)
    return _render(request, "login.html", None, next=target or "/")


@router.get("/lang/{language}")
def set_language(language: str, next: Annotated[str | None, Query()] = None) -> Response:
    response = RedirectResponse(_safe_next(next) or "/", 303, headers=HEADERS)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    return response


@router.get("/home")
def home_page(request: Request) -> Response:
    viewer = _viewer(request)
    if viewer is None:
        return _to_login(request)
    return _render(request, "home.html", viewer)


# -- the agent ------------------------------------------------------------------------------


def _agent_values(ctx: ApiContext, me: Principal) -> dict[str, Any]:
    profile = agent.get_me(ctx, me)
    mine = agent.my_groups(ctx, me)
    logs = {g.id: views.log_rows(agent.group_call_log(ctx, me, g.id)) for g in mine}
    choices = [(n, n) for n in profile.numbers]
    choices += [(n, f"{n} · {g.name}") for g in mine for n in g.numbers]
    return {"profile": profile, "groups": mine, "logs": logs, "choices": choices}


@router.get("/agent")
def agent_page(request: Request) -> Response:
    viewer = _viewer(request)
    if viewer is None:
        return _to_login(request)
    values = _agent_values(_context(request), viewer.me)
    return _render(request, "agent.html", viewer, **values)


@router.get("/groups/{group_id}/calllog")
def call_log_part(request: Request, group_id: RowId) -> Response:
    """One group's call log (``<tbody>`` rows), for the pages' scripts (its agents and the
    company's managers)."""
    viewer = _signed_in_part(request)
    lines = agent.group_call_log(_context(request), viewer.me, group_id)
    return _render(request, "calllog_part.html", viewer, rows=views.log_rows(lines))


# -- the manager ----------------------------------------------------------------------------


def _manager(request: Request) -> Viewer | Response:
    viewer = _viewer(request)
    if viewer is None:
        return _to_login(request)
    if not may_manage(viewer.me):
        return RedirectResponse(viewer.home, 303, headers=HEADERS)
    return viewer


@router.get("/manager")
def manager_page(request: Request) -> Response:
    viewer = _manager(request)
    if isinstance(viewer, Response):
        return viewer
    state = live.snapshot(_context(request), viewer.me)
    return _render(request, "manager.html", viewer, cards=views.cards(state.groups))


@router.get("/manager/part")
def manager_part(request: Request) -> Response:
    """The overview's group cards, for the script when groups come or go."""
    viewer = _signed_in_part(request)
    if not may_manage(viewer.me):
        raise HTTPException(403, "you do not have the manager right")
    state = live.snapshot(_context(request), viewer.me)
    return _render(request, "overview_part.html", viewer, cards=views.cards(state.groups))


def _detail_values(ctx: ApiContext, me: Principal, group_id: int) -> Mapping[str, Any]:
    detail = groups.get_group(ctx, me, group_id)
    lines = agent.group_call_log(ctx, me, group_id)
    return {
        "group": detail,
        "longest": views.wait_text(detail.longest_wait),
        "rows": views.log_rows(lines),
        "days": ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    }


@router.get("/manager/groups/{group_id}")
def group_page(request: Request, group_id: RowId) -> Response:
    viewer = _manager(request)
    if isinstance(viewer, Response):
        return viewer
    try:
        values = _detail_values(_context(request), viewer.me, group_id)
    except NotFound:
        return _render(request, "missing.html", viewer, status=404)
    return _render(request, "group.html", viewer, **values)


@router.get("/manager/groups/{group_id}/part")
def group_part(request: Request, group_id: RowId) -> Response:
    """A group's detail (everything below the title), for the script after a change."""
    viewer = _signed_in_part(request)
    values = _detail_values(_context(request), viewer.me, group_id)
    return _render(request, "group_part.html", viewer, **values)


# -- the manager's settings page (queue settings, opening hours, agents) --------------------


def _candidates(ctx: ApiContext, me: Principal, members: set[int]) -> list[views.Candidate]:
    """Agents of the company who are not in the group yet, as far as ``me`` may see them:
    a tenant admin sees every user (``GET /api/v1/users``); a manager, who may not list the
    company's users, sees the members of the company's groups."""
    found: dict[int, views.Candidate] = {}
    if me.tenant_admin:
        for user in users.list_users(ctx, me):
            if "agent" in user.rights and not user.disabled:
                name = user.display_name or user.username
                found[user.id] = views.Candidate(user.id, user.username, name)
    else:
        for summary in groups.list_groups(ctx, me):
            for m in groups.get_group(ctx, me, summary.id).members:
                found[m.user_id] = views.Candidate(m.user_id, m.username, m.name)
    return sorted(
        (c for c in found.values() if c.user_id not in members),
        key=lambda c: (c.name.casefold(), c.username),
    )


def _clip_names(ctx: ApiContext, me: Principal) -> list[str]:
    """What a group's clip fields suggest: the company's uploads, then the built-in clips."""
    uploads = [c.name for c in clips.list_clips(ctx, me)]
    return uploads + sorted(BUILTIN_CLIPS - set(uploads))


def _manage_values(ctx: ApiContext, me: Principal, group_id: int) -> Mapping[str, Any]:
    detail = groups.get_group(ctx, me, group_id)
    members = {m.user_id for m in detail.members}
    return {
        "group": detail,
        "queue": detail.queue.model_dump(),
        "settings": views.QUEUE_SETTINGS,
        "no_agents": views.NO_AGENTS,
        "overflow_keys": views.OVERFLOW_KEYS,
        "overflow_actions": views.OVERFLOW_ACTIONS,
        "policies": [p.value for p in Policy],
        "clips": _clip_names(ctx, me),
        "weekly": views.weekly(detail.hours),
        "number_text": views.number_text,
        "candidates": _candidates(ctx, me, members),
    }


@router.get("/manager/groups/{group_id}/settings")
def settings_page(request: Request, group_id: RowId) -> Response:
    """A group's queue settings, opening hours and agents, to change."""
    viewer = _manager(request)
    if isinstance(viewer, Response):
        return viewer
    try:
        values = _manage_values(_context(request), viewer.me, group_id)
    except NotFound:
        return _render(request, "missing.html", viewer, status=404)
    return _render(request, "settings.html", viewer, **values)


@router.get("/manager/groups/{group_id}/settings/members")
def members_part(request: Request, group_id: RowId) -> Response:
    """The settings page's agents section, for the script after an agent is added or
    removed."""
    viewer = _signed_in_part(request)
    values = _manage_values(_context(request), viewer.me, group_id)
    return _render(request, "settings_members.html", viewer, **values)


# -- the company's clips --------------------------------------------------------------------


@router.get("/manager/clips")
def clips_page(request: Request) -> Response:
    """The company's clips: play, upload, replace, delete."""
    viewer = _manager(request)
    if isinstance(viewer, Response):
        return viewer
    found = clips.list_clips(_context(request), viewer.me)
    kinds = [k.value for k in ClipKind]
    return _render(request, "clips.html", viewer, clips=found, kinds=kinds)


# -- the tenant admin: users, their phones, numbers ------------------------------------------


def _admin(request: Request) -> Viewer | Response:
    viewer = _viewer(request)
    if viewer is None:
        return _to_login(request)
    if not (viewer.me.tenant_admin and viewer.me.tenant_id is not None):
        return RedirectResponse(viewer.home, 303, headers=HEADERS)
    return viewer


@router.get("/admin")
def admin_page(request: Request) -> Response:
    """The company's users (rights, disabled), new users, and the company's numbers."""
    viewer = _admin(request)
    if isinstance(viewer, Response):
        return viewer
    ctx, me = _context(request), viewer.me
    people = users.list_users(ctx, me)
    owners = [(f"user:{u.id}", u.display_name or u.username) for u in people]
    owners += [(f"group:{g.id}", g.name) for g in groups.list_groups(ctx, me)]
    assigned = numbers.list_numbers(ctx, me)
    return _render(
        request, "admin.html", viewer, users=people, rights=RIGHTS, numbers=assigned, owners=owners
    )


@router.get("/admin/users/{user_id}")
def admin_user_page(request: Request, user_id: RowId) -> Response:
    """A user's phones: terminal status, add one (its SIP password shown once), remove."""
    viewer = _admin(request)
    if isinstance(viewer, Response):
        return viewer
    ctx = _context(request)
    try:
        user = users.get_user(ctx, viewer.me, user_id)
    except NotFound:
        return _render(request, "missing.html", viewer, status=404)
    phones = devices.list_devices(ctx, viewer.me, user_id)
    kinds = [k.value for k in DeviceKind]
    return _render(request, "admin_user.html", viewer, user=user, devices=phones, kinds=kinds)


# -- the operator: tenants ------------------------------------------------------------------


@router.get("/operator")
def operator_page(request: Request) -> Response:
    """Every company with its add-ons and recording retention; new companies and their first
    tenant admin."""
    viewer = _viewer(request)
    if viewer is None:
        return _to_login(request)
    if not viewer.me.operator:
        return RedirectResponse(viewer.home, 303, headers=HEADERS)
    companies = tenants.list_tenants(_context(request), viewer.me)
    return _render(request, "operator.html", viewer, tenants=companies, retention=(30, 60))


# -- files ----------------------------------------------------------------------------------


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        raise HTTPException(404, "no such file")
    suffix = name[name.rfind(".") :]
    return Response(
        _STATIC.joinpath(name).read_bytes(),
        media_type=_TYPES[suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
