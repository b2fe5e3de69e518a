"""The recording manager's pages: the list (search, filters, sort, pages), one recording's
page (``/manager/recordings/{id}``: the player, download, keep, delete), and the tenant
admin's access log. Rendered from the same services as ``/api/v1/recordings``; the player
streams the API's ``/audio`` (HTTP Range), and ``static/recordings.js`` keeps, unkeeps and
deletes through the API (delete after a confirmation)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from helin.api.deps import RowId, context
from helin.api.services import groups, recordings
from helin.api.services.errors import Forbidden, NotFound
from helin.api.services.recordings import RecordingFilter
from helin.store.tables.enums import Direction
from helin.web import render

router = APIRouter(include_in_schema=False)

PAGE = 50
Sort = Literal["created_at", "duration", "caller", "group"]


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _at(day: date | None, zone: ZoneInfo) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), zone)


@router.get("/manager/recordings")
def recordings_page(
    request: Request,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    group_id: Annotated[str | None, Query(max_length=10)] = None,
    agent_id: Annotated[str | None, Query(max_length=10)] = None,
    direction: Annotated[str | None, Query(max_length=10)] = None,
    caller: Annotated[str | None, Query(max_length=64)] = None,
    number: Annotated[str | None, Query(max_length=64)] = None,
    min_duration: Annotated[str | None, Query(max_length=6)] = None,
    kept: Annotated[str | None, Query(max_length=5)] = None,
    sort: Sort = "created_at",
    order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx, me = context(request), viewer.me
    chosen = int(group_id) if group_id and group_id.isdigit() else None
    try:
        zone = _zone(recordings.list_zone(ctx, me, chosen))
    except Forbidden:
        return render.page(request, "recordings.html", viewer, addon=False, status=403)
    first, last = _day(since), _day(until)
    where = RecordingFilter(
        since=_at(first, zone),
        until=_at(last + timedelta(days=1), zone) if last else None,
        group_id=chosen,
        agent_id=int(agent_id) if agent_id and agent_id.isdigit() else None,
        direction=Direction(direction) if direction in {d.value for d in Direction} else None,
        caller=caller or None,
        number=number or None,
        min_duration=float(min_duration) if min_duration and min_duration.isdigit() else None,
        kept={"yes": True, "no": False}.get(kept or ""),
    )
    try:
        found = recordings.list_recordings(
            ctx, me, where, sort=sort, order=order, limit=PAGE, offset=(page - 1) * PAGE
        )
    except Forbidden:
        return render.page(request, "recordings.html", viewer, addon=False, status=403)
    choices = groups.list_groups(ctx, me)
    agents: dict[int, str] = {}
    for summary in choices:
        for m in groups.get_group(ctx, me, summary.id).members:
            agents[m.user_id] = m.name or m.username
    asked = {
        "since": since or "",
        "until": until or "",
        "group_id": group_id or "",
        "agent_id": agent_id or "",
        "direction": direction or "",
        "caller": caller or "",
        "number": number or "",
        "min_duration": min_duration or "",
        "kept": kept or "",
    }

    def link(**change: Any) -> str:
        query = {**asked, "sort": sort, "order": order, "page": page, **change}
        return "/manager/recordings?" + urlencode({k: v for k, v in query.items() if v != ""})

    def sort_link(column: str) -> str:
        flip = "asc" if (sort == column and order == "desc") else "desc"
        return link(sort=column, order=flip, page=1)

    pages = max(1, -(-found.total // PAGE))
    values: dict[str, Any] = {
        "addon": True,
        "found": found,
        "asked": asked,
        "groups": choices,
        "agents": sorted(agents.items(), key=lambda a: a[1].casefold()),
        "directions": [d.value for d in Direction if d is not Direction.DIRECT],
        "sort": sort,
        "order": order,
        "page": page,
        "pages": pages,
        "previous": link(page=page - 1) if page > 1 else None,
        "next": link(page=page + 1) if page < pages else None,
        "sort_link": sort_link,
        "minutes": _minutes,
        "local": _local_to(zone),
        "timezone": zone.key,
    }
    return render.page(request, "recordings.html", viewer, **values)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_to(zone: ZoneInfo) -> Callable[[datetime], datetime]:
    """``local(moment)``: ``moment`` in ``zone``, for the templates."""

    def local(moment: datetime) -> datetime:
        return moment.astimezone(zone)

    return local


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@router.get("/manager/recordings/{recording_id}")
def recording_page(request: Request, recording_id: RowId) -> Response:
    """One recording: play it (seeking streams ranges), download, keep, delete."""
    viewer = render.manager(request)
    if isinstance(viewer, Response):
        return viewer
    ctx = context(request)
    try:
        found = recordings.get_recording(ctx, viewer.me, recording_id)
        zone = _zone(found.timezone or recordings.list_zone(ctx, viewer.me))
    except (NotFound, Forbidden):
        return render.page(request, "missing.html", viewer, status=404)
    return render.page(
        request,
        "recording.html",
        viewer,
        r=found,
        minutes=_minutes,
        local=_local_to(zone),
        timezone=zone.key,
    )


@router.get("/admin/recordings/access")
def access_page(request: Request, page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    """Who listened to, downloaded, kept or deleted the company's recordings."""
    viewer = render.tenant_admin(request)
    if isinstance(viewer, Response):
        return viewer
    found = recordings.access_log(context(request), viewer.me, limit=PAGE, offset=(page - 1) * PAGE)
    pages = max(1, -(-found.total // PAGE))
    return render.page(
        request,
        "recording_access.html",
        viewer,
        found=found,
        page=page,
        previous=f"?page={page - 1}" if page > 1 else None,
        next=f"?page={page + 1}" if page < pages else None,
    )
