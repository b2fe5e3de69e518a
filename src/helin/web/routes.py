"""The web app's pages: server-rendered (Jinja2, everything escaped) on the API's own answers.

A page is rendered from the same services the JSON API's routes call (``helin.api.services``),
as the signed-in user, so a page never shows what that user's API calls would not. The pages'
scripts (``static/``, no inline script: the Content-Security-Policy forbids it) change things
through the JSON API with the session's CSRF token, which each page carries in a ``<meta>``
tag, and follow live state through the WebSocket ``/api/v1/live/ws``. Parts of a page that
change (a group call log, the overview, a group's detail) are also served alone
(``.../part``) so a script can swap in a fresh rendering instead of building HTML itself.
``render`` holds what every page shares (viewer, templates, headers).

Page routes are plain functions: FastAPI runs them in worker threads, from where the services
reach the running switch (they block until helin's loop answers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from helin.acd.model import Policy
from helin.api.context import ApiContext
from helin.api.deps import RowId, context
from helin.api.services import (
    agent,
    clips,
    devices,
    dispositions,
    groups,
    live,
    numbers,
    pauses,
    tenants,
    users,
)
from helin.api.services.errors import NotFound
from helin.api.services.security import Principal, may_manage
from helin.store.tables.enums import BUILTIN_CLIPS, ClipKind, DeviceKind
from helin.store.users import RIGHTS
from helin.web import i18n, render, views

router = APIRouter(include_in_schema=False)


@router.get("/")
def index(request: Request) -> Response:
    viewer = render.viewer_of(request)
    if viewer is None:
        return RedirectResponse("/login", 303, headers=render.HEADERS)
    return RedirectResponse(viewer.home, 303, headers=render.HEADERS)


@router.get("/login")
def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    viewer = render.viewer_of(request)
    target = render.safe_next(next)
    if viewer is not None:
        return RedirectResponse(target or viewer.home, 303, headers=render.HEADERS)
    return render.page(request, "login.html", None, next=target or "/")


@router.get("/lang/{language}")
def set_language(language: str, next: Annotated[str | None, Query()] = None) -> Response:
    response = RedirectResponse(render.safe_next(next) or "/", 303, headers=render.HEADERS)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", path="/"
        )
    return response


@router.get("/home")
def home_page(request: Request) -> Response:
    viewer = render.viewer_of(request)
    if viewer is None:
        return render.to_login(request)
    return render.page(request, "home.html", viewer)


# -- the agent ------------------------------------------------------------------------------


def _agent_values(ctx: ApiContext, me: Principal) -> dict[str, Any]:
    profile = agent.get_me(ctx, me)
    mine = agent.my_groups(ctx, me)
    logs = {g.id: views.log_rows(agent.group_call_log(ctx, me, g.id)) for g in mine}
    choices = [(n, n) for n in profile.numbers]
    choices += [(n, f"{n} · {g.name}") for g in mine for n in g.numbers]
    reasons = [r for r in pauses.list_reasons(ctx, me) if r.active] if me.tenant_id else []
    last = dispositions.last_call(ctx, me) if me.agent else None
    return {
        "profile": profile,
        "groups": mine,
        "logs": logs,
        "choices": choices,
        "reasons": reasons,
        "last": last,
    }


@router.get("/agent")
def agent_page(request: Request) -> Response:
    viewer = render.viewer_of(request)
    if viewer is None:
        return render.to_login(request)
    values = _agent_values(context(request), viewer.me)
    return render.page(request, "agent.html", viewer, **values)


@router.get("/groups/{group_id}/calllog")
def call_log_part(request: Request, group_id: RowId) -> Response:
    """One group's call log (``<tbody>`` rows), for the pages' scripts (its agents and the
    company's managers)."""
    viewer = render.signed_in_part(request)
    lines = agent.group_call_log(context(request), viewer.me, group_id)
    return render.page(request, "calllog_part.html", viewer, rows=views.log_rows(lines))


# -- the manager ----------------------------------------------------------------------------


@router.get("/manager")
def manager_page(request: Request) -> Response:
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    state = live.snapshot(context(request), viewer.me)
    return render.page(request, "manager.html", viewer, cards=views.cards(state.groups))


@router.get("/manager/part")
def manager_part(request: Request) -> Response:
    """The overview's group cards, for the script when groups come or go."""
    viewer = render.signed_in_part(request)
    if not may_manage(viewer.me):
        raise HTTPException(403, "you do not have the manager right")
    state = live.snapshot(context(request), viewer.me)
    return render.page(request, "overview_part.html", viewer, cards=views.cards(state.groups))


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
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    try:
        values = _detail_values(context(request), viewer.me, group_id)
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    return render.page(request, "group.html", viewer, **values)


@router.get("/manager/groups/{group_id}/part")
def group_part(request: Request, group_id: RowId) -> Response:
    """A group's detail (everything below the title), for the script after a change."""
    viewer = render.signed_in_part(request)
    values = _detail_values(context(request), viewer.me, group_id)
    return render.page(request, "group_part.html", viewer, **values)


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
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    try:
        values = _manage_values(context(request), viewer.me, group_id)
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    return render.page(request, "settings.html", viewer, **values)


@router.get("/manager/groups/{group_id}/settings/members")
def members_part(request: Request, group_id: RowId) -> Response:
    """The settings page's agents section, for the script after an agent is added or
    removed."""
    viewer = render.signed_in_part(request)
    values = _manage_values(context(request), viewer.me, group_id)
    return render.page(request, "settings_members.html", viewer, **values)


# -- the company's clips --------------------------------------------------------------------


@router.get("/manager/clips")
def clips_page(request: Request) -> Response:
    """The company's clips: play, upload, replace, delete."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    found = clips.list_clips(context(request), viewer.me)
    kinds = [k.value for k in ClipKind]
    return render.page(request, "clips.html", viewer, clips=found, kinds=kinds)


# -- the tenant admin: users, their phones, numbers ------------------------------------------


@router.get("/admin")
def admin_page(request: Request) -> Response:
    """The company's users (rights, disabled), new users, the company's numbers and pause
    reasons."""
    viewer = render.tenant_admin(request)
    if isinstance(viewer, Response):
        return viewer
    ctx, me = context(request), viewer.me
    people = users.list_users(ctx, me)
    owners = [(f"user:{u.id}", u.display_name or u.username) for u in people]
    owners += [(f"group:{g.id}", g.name) for g in groups.list_groups(ctx, me)]
    assigned = numbers.list_numbers(ctx, me)
    return render.page(
        request,
        "admin.html",
        viewer,
        users=people,
        rights=RIGHTS,
        numbers=assigned,
        owners=owners,
        reasons=pauses.list_reasons(ctx, me),
    )


@router.get("/admin/users/{user_id}")
def admin_user_page(request: Request, user_id: RowId) -> Response:
    """A user's phones: terminal status, add one (its SIP password shown once), remove."""
    viewer = render.tenant_admin(request)
    if isinstance(viewer, Response):
        return viewer
    ctx = context(request)
    try:
        user = users.get_user(ctx, viewer.me, user_id)
    except NotFound:
        return render.page(request, "missing.html", viewer, status=404)
    phones = devices.list_devices(ctx, viewer.me, user_id)
    kinds = [k.value for k in DeviceKind]
    return render.page(request, "admin_user.html", viewer, user=user, devices=phones, kinds=kinds)


# -- the operator: tenants ------------------------------------------------------------------


@router.get("/operator")
def operator_page(request: Request) -> Response:
    """Every company with its add-ons and recording retention; new companies and their first
    tenant admin."""
    viewer = render.viewer_of(request)
    if viewer is None:
        return render.to_login(request)
    if not viewer.me.operator:
        return RedirectResponse(viewer.home, 303, headers=render.HEADERS)
    companies = tenants.list_tenants(context(request), viewer.me)
    return render.page(request, "operator.html", viewer, tenants=companies, retention=(30, 60))


# -- files ----------------------------------------------------------------------------------


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in render.STATIC_FILES:
        raise HTTPException(404, "no such file")
    suffix = name[name.rfind(".") :]
    return Response(
        render.STATIC.joinpath(name).read_bytes(),
        media_type=render.TYPES[suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
