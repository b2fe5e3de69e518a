"""What a caller hears while queued, frame by frame, and the pacing of the shared ticker.

``QueueAudio`` is one call's queue audio: a music bed that loops, and a FIFO of clips that
interrupt the music one after another (the ACD's ``PlayClip``, ``AnnouncePosition``,
``AnnounceWait``); the music resumes where it was when the last clip ends. ``next_frame`` is
called once per 20 ms tick.

``Pacer`` says how many ticks are due at ``now`` on an absolute schedule
(``start + n * period``), so pacing never drifts however late each timer fires; after a stall
it sends at most ``max_burst`` frames at once and skips the rest.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from helin.media.rtp import FRAME_SECONDS


@dataclass(slots=True)
class Playing:
    """A clip (or a composed announcement) in the queue."""

    frames: tuple[bytes, ...]
    label: str
    """What it is, for reports and logs."""
    report: bool
    """Report when it has played to its end."""
    position: int = 0


class QueueAudio:
    """Music bed plus a FIFO of clips, for one outgoing stream."""

    __slots__ = ("_music", "_music_at", "_queue", "music_on", "reports")

    def __init__(self) -> None:
        self._queue: deque[Playing] = deque()
        self._music: tuple[bytes, ...] = ()
        self._music_at = 0
        self.music_on = False
        """Music plays whenever no clip does."""
        self.reports: list[str] = []
        """Labels of reporting clips that finished since the caller last cleared this list."""

    def play(self, frames: tuple[bytes, ...], label: str, *, report: bool = False) -> None:
        """Queue a clip after the ones already queued. An empty clip finishes at the next tick."""
        self._queue.append(Playing(frames=frames, label=label, report=report))

    def start_music(self, frames: tuple[bytes, ...]) -> None:
        """Loop ``frames`` under the clips (continues from where it was if it is the same)."""
        if frames is not self._music:
            self._music, self._music_at = frames, 0
        self.music_on = bool(frames)

    def stop_music(self) -> None:
        self.music_on = False

    def clear(self) -> None:
        """Stop everything (the caller is being connected); no reports for cut clips."""
        self._queue.clear()
        self.music_on = False

    @property
    def active(self) -> bool:
        """Something would play at the next tick."""
        return bool(self._queue) or self.music_on

    def next_frame(self) -> bytes | None:
        """The payload for this tick; None when there is nothing to play."""
        queue = self._queue
        while queue:
            item = queue[0]
            if item.position < len(item.frames):
                frame = item.frames[item.position]
                item.position += 1
                if item.position == len(item.frames):
                    self._finish(queue.popleft())
                return frame
            self._finish(queue.popleft())
        if self.music_on:
            music = self._music
            frame = music[self._music_at]
            self._music_at = (self._music_at + 1) % len(music)
            return frame
        return None

    def skip(self, frames: int) -> None:
        """Advance by ``frames`` ticks without sending (the ticker fell behind)."""
        for _ in range(frames):
            if self.next_frame() is None:
                return

    def _finish(self, item: Playing) -> None:
        if item.report:
            self.reports.append(item.label)


class Pacer:
    """Ticks due on an absolute schedule."""

    __slots__ = ("max_burst", "period", "skipped", "start", "ticks")

    def __init__(self, start: float, *, period: float = FRAME_SECONDS, max_burst: int = 3) -> None:
        self.start = start
        """Time of tick 0."""
        self.period = period
        self.max_burst = max_burst
        """Most ticks carried out at once after a stall; older ones are skipped."""
        self.ticks = 0
        """Ticks accounted for so far (sent or skipped)."""
        self.skipped = 0
        """Ticks skipped in total because the loop stalled."""

    def next_deadline(self) -> float:
        return self.start + self.ticks * self.period

    def due(self, now: float) -> tuple[int, int]:
        """(ticks to carry out now, ticks to skip) and advance past them."""
        target = int((now - self.start) / self.period + 1e-6) + 1
        count = target - self.ticks
        if count <= 0:
            return 0, 0
        skip = max(0, count - self.max_burst)
        self.ticks = target
        self.skipped += skip
        return count - skip, skip
