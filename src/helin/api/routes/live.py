"""Live state over GET and a WebSocket: ``/api/v1/live`` and ``/api/v1/live/ws``.

The WebSocket sends the same snapshot as the GET at once and then whenever it changes
(checked every ``PUSH_SECONDS``), so a change reaches the screen within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from helin.api.context import ApiContext
from helin.api.deps import ContextDep, CurrentUser
from helin.api.schemas.live import LiveState
from helin.api.services.errors import ServiceError
from helin.api.services.live import snapshot
from helin.api.services.security import authenticate

router = APIRouter(prefix="/api/v1", tags=["live"])

PUSH_SECONDS = 0.5
"""How often a WebSocket's snapshot is recomputed (and sent if it changed)."""


@router.get("/live", response_model=LiveState)
def get_live(me: CurrentUser, ctx: ContextDep) -> LiveState:
    """The same snapshot the WebSocket ``/api/v1/live/ws`` pushes."""
    return snapshot(ctx, me)


@router.websocket("/live/ws")
async def live_ws(websocket: WebSocket) -> None:
    ctx: ApiContext = websocket.app.state.context
    origin = websocket.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc != websocket.headers.get("Host"):
        await websocket.close(code=1008, reason="cross-site WebSocket refused")
        return
    try:
        me = authenticate(ctx, websocket.headers, websocket.cookies, "GET")
    except ServiceError as exc:
        await websocket.close(code=1008, reason=str(exc.detail))
        return
    await websocket.accept()
    gone = asyncio.get_running_loop().create_task(_until_closed(websocket))
    last = ""
    try:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while not gone.done():
                # off the loop: the store's queries must not hold up SIP and RTP
                state = await asyncio.to_thread(snapshot, ctx, me)
                text = state.model_dump_json(exclude={"at"})
                if text != last:
                    await websocket.send_text(state.model_dump_json())
                    last = text
                await asyncio.wait({gone}, timeout=PUSH_SECONDS)
    finally:
        gone.cancel()


async def _until_closed(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends until it goes away."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
